package webhook

import (
	"strconv"
	"unicode/utf8"
)

// Encode returns the answer as compact JSON, fields in the documented order: exactly what
// encoding/json writes for an Answer without HTML escaping, built without reflection (the answer
// is written on every request).
func (a Answer) Encode() []byte {
	size := 96 + len(a.ActionStatus) + len(a.ErrorInfo) // the keys and punctuation take 82 bytes
	for _, id := range a.Refused {
		size += len(id) + 3
	}
	b := make([]byte, 0, size)
	b = append(b, `{"ActionStatus":`...)
	b = appendString(b, a.ActionStatus)
	b = append(b, `,"ErrorCode":`...)
	b = strconv.AppendInt(b, int64(a.ErrorCode), 10)
	b = append(b, `,"ErrorInfo":`...)
	b = appendString(b, a.ErrorInfo)
	if len(a.Refused) > 0 {
		b = append(b, `,"RefusedSubscribers_Account":[`...)
		for i, id := range a.Refused {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, id)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string as encoding/json writes it with HTML escaping off:
// quotes, backslashes and control characters escaped, invalid UTF-8 as \ufffd, and U+2028 and
// U+2029 escaped.
func appendString(b []byte, s string) []byte {
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
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
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
