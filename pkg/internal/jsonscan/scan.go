// Package jsonscan reads JSON in one pass without reflection, for the entrypoints' readers of the
// events their platforms send. Every method reports false for anything outside what it reads
// exactly (a \u escape, invalid UTF-8, deep nesting), and the caller then reads the event the
// general way, through encoding/json.
package jsonscan

import "unicode/utf8"

// Scanner steps through JSON in one pass: B is the text, I the position of the next byte.
type Scanner struct {
	B     []byte
	I     int
	depth int
}

// maxSkipDepth is how deep skip follows nested values; deeper ones go the general way, which
// applies encoding/json's own limit.
const maxSkipDepth = 64

// Space steps over JSON whitespace.
func (s *Scanner) Space() {
	for s.I < len(s.B) && (s.B[s.I] == ' ' || s.B[s.I] == '\t' || s.B[s.I] == '\r' || s.B[s.I] == '\n') {
		s.I++
	}
}

// Byte steps over c if it is the next byte, and reports whether it was.
func (s *Scanner) Byte(c byte) bool {
	if s.I < len(s.B) && s.B[s.I] == c {
		s.I++
		return true
	}
	return false
}

// Str reads a string as encoding/json decodes it, for strings of valid UTF-8 whose escapes are
// other than \u (a \u escape, with its surrogate rules, goes the general way).
func (s *Scanner) Str() (string, bool) {
	if !s.Byte('"') {
		return "", false
	}
	start := s.I
	for s.I < len(s.B) {
		switch c := s.B[s.I]; {
		case c == '"':
			raw := s.B[start:s.I]
			s.I++
			return string(raw), utf8.Valid(raw)
		case c == '\\':
			return s.escaped(start)
		case c < 0x20:
			return "", false
		}
		s.I++
	}
	return "", false
}

// escaped finishes a string that has an escape at s.I, copying it as it decodes.
func (s *Scanner) escaped(start int) (string, bool) {
	out := append(make([]byte, 0, s.I-start+32), s.B[start:s.I]...)
	for s.I < len(s.B) {
		c := s.B[s.I]
		switch {
		case c == '"':
			s.I++
			return string(out), utf8.Valid(out)
		case c < 0x20:
			return "", false
		case c != '\\':
			out = append(out, c)
			s.I++
			continue
		}
		if s.I+1 >= len(s.B) {
			return "", false
		}
		switch e := s.B[s.I+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		default:
			return "", false
		}
		s.I += 2
	}
	return "", false
}

// Object reads an object, calling value for each key with the scanner at the key's value, which
// value must read.
func (s *Scanner) Object(value func(key string) bool) bool {
	if !s.Byte('{') {
		return false
	}
	s.Space()
	if s.Byte('}') {
		return true
	}
	for {
		s.Space()
		key, ok := s.Str()
		if !ok {
			return false
		}
		s.Space()
		if !s.Byte(':') {
			return false
		}
		s.Space()
		if !value(key) {
			return false
		}
		s.Space()
		if s.Byte('}') {
			return true
		}
		if !s.Byte(',') {
			return false
		}
	}
}

// Skip reads any JSON value as json.Valid checks it, without decoding it.
func (s *Scanner) Skip() bool {
	if s.I >= len(s.B) {
		return false
	}
	switch c := s.B[s.I]; {
	case c == '"':
		return s.skipString()
	case c == '{' || c == '[':
		if s.depth++; s.depth > maxSkipDepth {
			return false
		}
		defer func() { s.depth-- }()
		if c == '{' {
			return s.Object(func(string) bool { return s.Skip() })
		}
		s.I++
		s.Space()
		if s.Byte(']') {
			return true
		}
		for {
			s.Space()
			if !s.Skip() {
				return false
			}
			s.Space()
			if s.Byte(']') {
				return true
			}
			if !s.Byte(',') {
				return false
			}
		}
	case c == 't':
		return s.Literal("true")
	case c == 'f':
		return s.Literal("false")
	case c == 'n':
		return s.Literal("null")
	}
	return s.Number()
}

// skipString reads a string as json.Valid checks it: any bytes but control characters, and
// escapes that JSON allows.
func (s *Scanner) skipString() bool {
	s.I++
	for s.I < len(s.B) {
		switch c := s.B[s.I]; {
		case c == '"':
			s.I++
			return true
		case c < 0x20:
			return false
		case c == '\\':
			if s.I+1 >= len(s.B) {
				return false
			}
			switch s.B[s.I+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.I += 2
			case 'u':
				if s.I+6 > len(s.B) {
					return false
				}
				for _, h := range s.B[s.I+2 : s.I+6] {
					if !isHex(h) {
						return false
					}
				}
				s.I += 6
			default:
				return false
			}
			continue
		}
		s.I++
	}
	return false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// Literal steps over word (true, false or null) if it comes next, and reports whether it did.
func (s *Scanner) Literal(word string) bool {
	if len(s.B)-s.I < len(word) || string(s.B[s.I:s.I+len(word)]) != word {
		return false
	}
	s.I += len(word)
	return true
}

// Number reads a JSON number by the grammar.
func (s *Scanner) Number() bool {
	s.Byte('-')
	switch {
	case s.Byte('0'):
	case s.I < len(s.B) && s.B[s.I] >= '1' && s.B[s.I] <= '9':
		s.Digits()
	default:
		return false
	}
	if s.Byte('.') && !s.Digits() {
		return false
	}
	if s.Byte('e') || s.Byte('E') {
		if !s.Byte('+') {
			s.Byte('-')
		}
		if !s.Digits() {
			return false
		}
	}
	return true
}

// Digits reads one or more decimal digits.
func (s *Scanner) Digits() bool {
	start := s.I
	for s.I < len(s.B) && s.B[s.I] >= '0' && s.B[s.I] <= '9' {
		s.I++
	}
	return s.I > start
}
