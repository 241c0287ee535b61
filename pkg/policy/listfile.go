package policy

import (
	"fmt"
	"os"
	"strings"
)

// readListFile reads an ID list: one entry a line, surrounding spaces trimmed, blank lines skipped,
// and a line whose first non-blank character is '#' taken as a comment (IDs themselves may hold '#').
func readListFile(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseList(string(data)), nil
}

// parseList splits list text into entries. The entries are slices of text, so a large list costs
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
