package strictyaml

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMapping(t *testing.T) {
	known := []string{"name", "list"}
	for _, c := range []struct {
		name, text string
		known      []string
		want       []Field // keys and lines only
		err        string
	}{
		{"InOrder", "list: [a]\nname: x\n", known, []Field{{Key: "list", Line: 1}, {Key: "name", Line: 2}}, ""},
		{"AnyKey", "b: 1\na: 2\n", nil, []Field{{Key: "b", Line: 1}, {Key: "a", Line: 2}}, ""},
		{"Alias", "base: &b {name: x}\nother: *b\n", nil, []Field{{Key: "base", Line: 1}, {Key: "other", Line: 2}}, ""},
		{"Unknown", "name: x\nnmae: y\n", known, nil, `line 2: unknown key "nmae" in the thing (known keys: name, list)`},
		{"Twice", "name: x\nlist: []\nname: y\n", known, nil, `line 3: key "name" is given twice in the thing (first at line 1)`},
		{"TwiceAnyKey", "a: 1\na: 2\n", nil, nil, `line 2: key "a" is given twice in the thing (first at line 1)`},
		{"KeyNotAString", "? [a]\n: x\n", nil, nil, "line 1: a key of the thing must be a string"},
		{"NotAMapping", "- a\n", known, nil, "line 1: the thing must be a mapping of keys (name, list)"},
		{"NotAMappingAnyKey", "just text\n", nil, nil, "line 1: the thing must be a mapping"},
	} {
		t.Run(c.name, func(t *testing.T) {
			root, err := Parse([]byte(c.text))
			require.NoError(t, err)
			fields, err := Mapping(root, "the thing", c.known)
			if c.err != "" {
				assert.EqualError(t, err, c.err)
				return
			}
			require.NoError(t, err)
			var got []Field
			for _, f := range fields {
				got = append(got, Field{Key: f.Key, Line: f.Line})
			}
			assert.Equal(t, c.want, got)
		})
	}
}

func TestValues(t *testing.T) {
	root, err := Parse([]byte("s: text\nid: 107867\nn: 12\nnull: ~\nlist: [a]\nalias: &a 7\nagain: *a\nbig: 99999999999999999999\n"))
	require.NoError(t, err)
	fields, err := Mapping(root, "values", nil)
	require.NoError(t, err)

	s, err := String(fields.Get("s"), "s")
	assert.Equal(t, "text", s)
	assert.NoError(t, err)
	s, err = String(fields.Get("id"), "id")
	assert.Equal(t, "107867", s, "a number written without quotes is its text")
	assert.NoError(t, err)
	_, err = String(fields.Get("null"), "null")
	assert.EqualError(t, err, "line 4: null must be a string")
	_, err = String(fields.Get("list"), "list")
	assert.EqualError(t, err, "line 5: list must be a string")

	n, err := Int(fields.Get("n"), "n")
	assert.Equal(t, 12, n)
	assert.NoError(t, err)
	n, err = Int(fields.Get("again"), "again")
	assert.Equal(t, 7, n, "an alias is its anchor's value")
	assert.NoError(t, err)
	_, err = Int(fields.Get("s"), "s")
	assert.EqualError(t, err, "line 1: s must be a whole number")
	_, err = Int(fields.Get("big"), "big")
	assert.EqualError(t, err, "line 8: big must be a whole number")
	assert.Nil(t, fields.Get("missing"))
}

func TestParse(t *testing.T) {
	root, err := Parse([]byte("# only a comment\n"))
	assert.NoError(t, err)
	assert.Nil(t, root, "an empty document has no root")

	_, err = Parse([]byte("a: [b\n"))
	assert.EqualError(t, err, "line 1: did not find expected ',' or ']'", "without the library's prefix")

	root, err = Parse([]byte("flag: sometimes\n"))
	require.NoError(t, err)
	var v struct{ Flag bool }
	assert.EqualError(t, Error(root.Decode(&v)), "line 1: cannot unmarshal !!str `sometimes` into bool", "without Go's types")
}

// A tab where YAML takes only spaces is named, with its line and column; the library says only
// that a character cannot start a token.
func TestParseNamesTabs(t *testing.T) {
	for _, c := range []struct{ name, text, err string }{
		{"IndentedWithATab", "deny:\n\t- jared\n",
			"line 2: a tab (column 1) where YAML takes only spaces: indent with spaces (found character that cannot start any token)"},
		{"KeyIndentedWithATab", "channels:\n  \"@TOA#_a\":\n\tclosed: true\n",
			"line 3: a tab (column 1) where YAML takes only spaces: indent with spaces (found character that cannot start any token)"},
		{"TabAfterTheDash", "deny:\n  - a\n  -\tb\n",
			"line 3: a tab (column 4) where YAML takes only spaces: indent with spaces (found character that cannot start any token)"},
		// The library names a tab itself here: its words are kept.
		{"TabInABlockScalar", "reason: |\n  a\n\tb\n", "line 3: found a tab character where an indentation space is expected"},
		// Another error on a line that holds a tab is not the tab's doing.
		{"OtherErrorBesideATab", "a: [b\t\n", "line 1: did not find expected ',' or ']'"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.text))
			assert.EqualError(t, err, c.err)
		})
	}
	for _, text := range []string{"deny: [a]\t# a tab before a comment\n", "allow:\t[b]\n"} {
		_, err := Parse([]byte(text))
		assert.NoError(t, err, "a tab as a separator inside a line is YAML: %q", text)
	}
}
