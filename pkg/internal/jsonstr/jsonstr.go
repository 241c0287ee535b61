// Package jsonstr writes JSON strings exactly as encoding/json (HTML escaping off) and log/slog's
// JSON handler write them, without reflection: for the answer and the log line every request gets.
package jsonstr

import "unicode/utf8"

const hexDigits = "0123456789abcdef"

// Append appends s as a JSON string as encoding/json writes it with HTML escaping off: quotes,
// backslashes and control characters escaped, invalid UTF-8 as \ufffd, and U+2028 and U+2029
// escaped.
func Append(b []byte, s string) []byte { return appendQuoted(b, s, true) }

// AppendSlog appends s as a JSON string as log/slog's JSON handler writes it: as Append does, except
// that \b and \f are written \u0008 and \u000c.
func AppendSlog(b []byte, s string) []byte { return appendQuoted(b, s, false) }

// appendQuoted is Append, or AppendSlog when shortBF is false.
func appendQuoted(b []byte, s string, shortBF bool) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				if shortBF {
					b = append(b, '\\', 'b')
				} else {
					b = appendUnicode(b, c)
				}
			case '\f':
				if shortBF {
					b = append(b, '\\', 'f')
				} else {
					b = appendUnicode(b, c)
				}
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = appendUnicode(b, c)
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendUnicode writes the control character c as \u00XX.
func appendUnicode(b []byte, c byte) []byte {
	return append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
}
