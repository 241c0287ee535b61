package testkit

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// DocBlock is a fenced block of a Markdown page: its language (sh, text, json, ...), its text (each
// line with its newline) and the heading it is under (without #s and backquotes).
type DocBlock struct {
	Lang, Text, Heading string
}

// ReadDoc reads the fenced blocks of the Markdown page at path, in order, for the tests that run a
// page's commands and compare their output with the page's.
func ReadDoc(t testing.TB, path string) []DocBlock {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	var blocks []DocBlock
	var heading, indent string
	var current *DocBlock
	for line := range strings.Lines(string(data)) {
		trimmed := strings.TrimLeft(line, " ")
		switch {
		case current != nil && strings.TrimSpace(line) == "```":
			blocks = append(blocks, *current)
			current = nil
		case current != nil:
			current.Text += strings.TrimPrefix(line, indent)
		case strings.HasPrefix(trimmed, "```"):
			// A block may be indented, inside a list item: its lines lose the fence's indentation.
			indent = line[:len(line)-len(trimmed)]
			current = &DocBlock{Lang: strings.TrimSpace(strings.TrimPrefix(trimmed, "```")), Heading: heading}
		case strings.HasPrefix(line, "#"):
			heading = strings.ReplaceAll(strings.TrimSpace(strings.TrimLeft(line, "#")), "`", "")
		}
	}
	if current != nil {
		t.Fatalf("%s: a block is not closed", path)
	}
	return blocks
}

// RunShell runs script with bash (-euo pipefail) in dir, as a reader would paste it, in the
// environment of Environ (none of the developer's SUBGATE_* variables), and returns its standard
// output; a failure fails the test with the script's standard error.
func RunShell(t testing.TB, dir, script string) string {
	t.Helper()
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
	cmd.Dir = dir
	cmd.Env = Environ()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s\n%v\nstderr: %s", script, err, stderr.String())
	}
	return string(out)
}
