package testkit

import (
	"os"
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
