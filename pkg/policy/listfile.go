package policy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// annotation is what an entry may carry beside its ID: when it stops applying and why it is listed.
type annotation struct {
	until  int64 // Unix seconds; forever when the entry does not expire
	reason string
}

// noAnnotation is a plain entry's.
var noAnnotation = annotation{until: forever}

// annotationKeys are what an annotation may set, in a list file (#@ key=value) and in YAML.
var annotationKeys = []string{"until", "reason"}

// parseUntil reads an expiry: an RFC 3339 time to the second.
func parseUntil(s string) (int64, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return 0, fmt.Errorf("until %q is not an RFC 3339 time like 2026-12-01T00:00:00Z", s)
	}
	if t.Nanosecond() != 0 {
		return 0, fmt.Errorf("until %q: give the time to the second, like 2026-12-01T00:00:00Z", s)
	}
	return t.Unix(), nil
}

// listEntry is one entry of a list file: the trimmed text at file[start:end], on line line, with
// its annotation.
type listEntry struct {
	start, end int
	line       int
	ann        annotation
}

// lineStep is how many lines apart the line index of a list file records where a line starts.
const lineStep = 256

// readList reads the text of a list file: one entry a line, surrounding white space (as
// strings.TrimSpace has it) trimmed, blank lines skipped, and a line whose first non-blank
// character is '#' a comment (IDs themselves may hold '#'), except that a line starting with "#@"
// annotates the entry on the line right after it:
//
//	#@ until=2026-12-01T00:00:00Z reason="spam wave"
//	spammer42
//
// It calls add for each entry in file order, and returns the line index of the file (see lineOf).
// The entries are offsets into text, so a large list costs nothing per line but the call.
func readList(text []byte, add func(listEntry)) (lines []byte, err error) {
	pending, pendingLine := noAnnotation, 0
	line := 0
	for start := 0; start < len(text); {
		end := len(text)
		if i := bytes.IndexByte(text[start:], '\n'); i >= 0 {
			end = start + i + 1
		}
		if line%lineStep == 0 {
			lines = binary.LittleEndian.AppendUint32(lines, uint32(start))
		}
		line++
		from, to := trim(text, start, end)
		start = end
		switch {
		case from == to || text[from] == '#' && (to-from < 2 || text[from+1] != '@'):
			if pendingLine != 0 {
				return nil, fmt.Errorf("line %d: the annotation is not followed by an entry on the next line", pendingLine)
			}
		case text[from] == '#':
			if pendingLine != 0 {
				return nil, fmt.Errorf("line %d: the annotation is not followed by an entry on the next line", pendingLine)
			}
			if pending, err = parseAnnotation(string(text[from+2 : to])); err != nil {
				return nil, fmt.Errorf("line %d: %w", line, err)
			}
			pendingLine = line
		default:
			add(listEntry{start: from, end: to, line: line, ann: pending})
			pending, pendingLine = noAnnotation, 0
		}
	}
	if pendingLine != 0 {
		return nil, fmt.Errorf("line %d: the annotation is not followed by an entry on the next line", pendingLine)
	}
	return lines, nil
}

// trim returns the bounds of text[start:end] without its leading and trailing white space, as
// strings.TrimSpace has it.
func trim(text []byte, start, end int) (from, to int) {
	for start < end && text[start] < utf8.RuneSelf && asciiSpace(text[start]) {
		start++
	}
	if start < end && text[start] >= utf8.RuneSelf {
		start = end - len(bytes.TrimLeftFunc(text[start:end], unicode.IsSpace))
	}
	for end > start && text[end-1] < utf8.RuneSelf && asciiSpace(text[end-1]) {
		end--
	}
	if end > start && text[end-1] >= utf8.RuneSelf {
		end = start + len(bytes.TrimRightFunc(text[start:end], unicode.IsSpace))
	}
	return start, end
}

func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// lineOf is the line (from 1) on which the byte at offset lies, from a file's text and the line
// index readList made of it: it counts the newlines from the nearest recorded line start, at most
// lineStep lines away.
func lineOf(text, lines []byte, offset uint32) int {
	offset = min(offset, uint32(len(text)))
	if len(lines) < 4 {
		return 1 + bytes.Count(text[:offset], []byte{'\n'})
	}
	lo, hi := 0, len(lines)/4 // the last recorded line start at or before offset is in [lo, hi)
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if binary.LittleEndian.Uint32(lines[4*mid:]) <= offset {
			lo = mid
		} else {
			hi = mid
		}
	}
	from := min(binary.LittleEndian.Uint32(lines[4*lo:]), offset)
	return lo*lineStep + 1 + bytes.Count(text[from:offset], []byte{'\n'})
}

// parseAnnotation reads what follows "#@": key=value pairs separated by blanks, where a value is a
// word or a double-quoted string (Go syntax), and the keys are until and reason.
func parseAnnotation(s string) (annotation, error) {
	ann := noAnnotation
	seen := map[string]bool{}
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimLeftFunc(s, unicode.IsSpace) {
		eq := strings.IndexByte(s, '=')
		if eq <= 0 || strings.ContainsFunc(s[:eq], unicode.IsSpace) {
			word, _, _ := strings.Cut(s, " ")
			return ann, fmt.Errorf("annotation: expected key=value (keys: %s), not %q", strings.Join(annotationKeys, ", "), word)
		}
		key := s[:eq]
		s = s[eq+1:]
		var value string
		if strings.HasPrefix(s, `"`) {
			quoted, err := strconv.QuotedPrefix(s)
			if err != nil {
				return ann, fmt.Errorf("annotation: %s: the quoted value does not end, or has a bad escape", key)
			}
			value, _ = strconv.Unquote(quoted)
			s = s[len(quoted):]
			if s != "" && !unicode.IsSpace(rune(s[0])) {
				return ann, fmt.Errorf("annotation: %s: put a blank after the quoted value", key)
			}
		} else {
			end := strings.IndexFunc(s, unicode.IsSpace)
			if end < 0 {
				end = len(s)
			}
			value, s = s[:end], s[end:]
		}
		if seen[key] {
			return ann, fmt.Errorf("annotation: key %q is given twice", key)
		}
		seen[key] = true
		switch key {
		case "until":
			until, err := parseUntil(value)
			if err != nil {
				return ann, fmt.Errorf("annotation: %w", err)
			}
			ann.until = until
		case "reason":
			ann.reason = value
		default:
			return ann, fmt.Errorf("annotation: unknown key %q (known keys: %s)", key, strings.Join(annotationKeys, ", "))
		}
	}
	if len(seen) == 0 {
		return ann, errors.New(`the annotation is empty (write, say, #@ until=2026-12-01T00:00:00Z reason="spam wave")`)
	}
	return ann, nil
}

// listFileError names the key and file of a list file that cannot be read or has an error.
func listFileError(key, path string, err error) error {
	return fmt.Errorf("%s %s: %w", key, path, err)
}
