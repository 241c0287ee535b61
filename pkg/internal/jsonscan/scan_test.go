package jsonscan

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Str reads what encoding/json reads, or declines.
func TestStr(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{`"plain"`, "plain", true},
		{`"a\"b\\c\/d\n\t\r\b\f"`, "a\"b\\c/d\n\t\r\b\f", true},
		{`"é界"`, "é界", true},
		{`"\u0041"`, "", false},        // \u escapes go the general way
		{"\"\xff\"", "", false},        // invalid UTF-8
		{"\"a\nb\"", "", false},        // a control character
		{`"unterminated`, "", false},   // no closing quote
		{`plain`, "", false},           // not a string
		{`"bad \q escape"`, "", false}, // not a JSON escape
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s := Scanner{B: []byte(tt.in)}
			got, ok := s.Str()
			assert.Equal(t, tt.ok, ok)
			if tt.ok {
				assert.Equal(t, tt.want, got)
				var std string
				assert.NoError(t, json.Unmarshal([]byte(tt.in), &std))
				assert.Equal(t, std, got, "the same as encoding/json")
				assert.Equal(t, len(tt.in), s.I)
			}
		})
	}
}

// Skip steps over any valid value, and declines what is not valid or nests too deep.
func TestSkip(t *testing.T) {
	deep := ""
	for range maxSkipDepth + 1 {
		deep += "["
	}
	for range maxSkipDepth + 1 {
		deep += "]"
	}
	tests := []struct {
		in string
		ok bool
	}{
		{`{"a": [1, -2.5e3, true, false, null, "x\u0041", {}], "b": {"c": []}}`, true},
		{`0`, true},
		{`"s"`, true},
		{`[1,]`, false},
		{`{"a" 1}`, false},
		{`01`, true}, // Skip reads the number 0; the caller checks what follows
		{`tru`, false},
		{deep, false},
	}
	for _, tt := range tests {
		t.Run(tt.in[:min(len(tt.in), 20)], func(t *testing.T) {
			s := Scanner{B: []byte(tt.in)}
			assert.Equal(t, tt.ok, s.Skip())
		})
	}
}
