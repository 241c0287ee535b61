package policy

import (
	"fmt"
	"strings"
)

// parseList splits the text of an ID list into entries: one entry a line, surrounding spaces
// trimmed, blank lines skipped, and a line whose first non-blank character is '#' taken as a
// comment (IDs themselves may hold '#'). The entries are slices of text, so a large list costs
// one allocation for the text, not one per line.
func parseList(text string) []string {
	entries := make([]string, 0, strings.Count(text, "\n")+1)
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		entries = append(entries, line)
	}
	return entries
}

// listFileError names the key and file of an unreadable list file.
func listFileError(key, path string, err error) error {
	return fmt.Errorf("%s %s: %w", key, path, err)
}
