package webhook

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The fold of every rune is the least rune of its class, and of one class with it as
// bytes.EqualFold sees it: two strings' folds are then equal exactly when EqualFold says they are.
func TestFoldOfEveryRune(t *testing.T) {
	var f folder
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue // a surrogate: no UTF-8 text holds one
		}
		s := string(r)
		folded := string(f.fold([]byte(s)))
		least, _ := utf8.DecodeRuneInString(folded)
		if !bytes.EqualFold([]byte(s), []byte(folded)) {
			t.Fatalf("%U folds to %U, which EqualFold says differs", r, least)
		}
		for g := unicode.SimpleFold(r); g != r; g = unicode.SimpleFold(g) {
			if g < least {
				t.Fatalf("%U folds to %U, but %U is of its class and less", r, least, g)
			}
		}
	}
}

// foldCases are strings that bytes.EqualFold compares in every way it can: ASCII letters and the
// runes outside ASCII of their classes (the Kelvin sign, ſ, the Angstrom sign), classes of three and
// four runes, runes with no simple fold whose full case mapping is ASCII (İ, ı), ASCII that differs by
// the case bit but is not a letter, bytes that are not UTF-8, and strings of different lengths.
var foldCases = []string{
	"", "k", "K", "\u212a", "s", "S", "ſ", "å", "Å", "\u212b", "σ", "ς", "Σ", "θ", "ϑ", "ϴ", "Θ",
	"ǅ", "Ǆ", "ǆ", "ß", "ẞ", "ss", "İ", "i", "I", "ı", "µ", "μ", "Μ", "@", "`", "[", "{", "^", "~",
	"\xff", "\xfe", "\ufffd", "kk", "Kk", "k\u212a", "Subscriber_Account", "subscriber_account",
	"ſubscriber_account", "Official_Account", "Official_Accounk", "official_accoun\u212a",
}

func TestFoldMatchesEqualFold(t *testing.T) {
	var f folder
	for _, a := range foldCases {
		for _, b := range foldCases {
			foldA := string(f.fold([]byte(a)))
			foldB := string(f.fold([]byte(b)))
			assert.Equal(t, bytes.EqualFold([]byte(a), []byte(b)), foldA == foldB, "%q and %q", a, b)
		}
	}
}

// Random strings of the tricky runes, and bytes that are not UTF-8, compared both ways.
func TestFoldMatchesEqualFoldRandom(t *testing.T) {
	alphabet := []string{"k", "K", "\u212a", "s", "S", "ſ", "å", "\u212b", "ς", "Σ", "ϑ", "ϴ", "ǅ", "ß", "ẞ", "İ", "ı", "a", "@", "`", "\xff", "\ufffd", "é", "É"}
	rng := rand.New(rand.NewPCG(16, 1))
	random := func() []byte {
		var b []byte
		for range rng.IntN(4) {
			b = append(b, alphabet[rng.IntN(len(alphabet))]...)
		}
		return b
	}
	var f folder
	equal := 0
	for range 200_000 {
		a, b := random(), random()
		foldA := string(f.fold(a))
		foldB := string(f.fold(b))
		want := bytes.EqualFold(a, b)
		if want != (foldA == foldB) {
			t.Fatalf("%q and %q: EqualFold %v, folds %q and %q", a, b, want, foldA, foldB)
		}
		if want {
			equal++
		}
	}
	assert.Greater(t, equal, 10_000, "the pairs hold many equal ones, not only different ones")
}

// objectOf is a JSON object of the given keys (written as they are, escapes and all), each with
// the value 0.
func objectOf(keys []string) string {
	members := make([]string, len(keys))
	for i, k := range keys {
		members[i] = `"` + k + `":0`
	}
	return "{" + strings.Join(members, ",") + "}"
}

// A repeated key is found in an object of any size, wherever the two stand and however the second
// is written; without it, the object is accepted.
func TestRepeatedKeyInAnyObject(t *testing.T) {
	forms := map[string]func(string) string{
		"Exact":   func(k string) string { return k },
		"Upper":   strings.ToUpper,
		"Kelvin":  func(k string) string { return strings.Replace(k, "k", "\\u212a", 1) },
		"LongS":   func(k string) string { return strings.Replace(k, "s", "ſ", 1) },
		"Escaped": func(k string) string { return "\\u006b" + k[1:] },
	}
	for _, size := range []int{2, smallObject, smallObject + 1, smallObject + 2, 100, 5000} {
		keys := make([]string, size)
		for i := range keys {
			keys[i] = fmt.Sprintf("k_s%04d", i) // every key has a k and an s
		}
		require.NoError(t, checkStructure([]byte(objectOf(keys))), "%d keys, none repeated", size)
		for _, pair := range [][2]int{{0, size - 1}, {size - 2, size - 1}, {0, 1}, {min(3, size-2), min(smallObject, size-1)}} {
			first, second := pair[0], pair[1]
			for name, form := range forms {
				t.Run(fmt.Sprintf("%dKeys/%d-%d/%s", size, first, second, name), func(t *testing.T) {
					repeated := append([]string(nil), keys...)
					repeated[second] = form(keys[first])
					assert.Equal(t, errDuplicateKey, checkStructure([]byte(objectOf(repeated))))
					// The same object nested in an array in another object.
					assert.Equal(t, errDuplicateKey, checkStructure([]byte(`{"a":[1,`+objectOf(repeated)+`]}`)))
				})
			}
		}
	}
}

// Keys that differ only as the fold would not: escaped keys of a small object are kept apart (the
// buffer an escaped key is decoded into is reused by the next), and runes with no simple fold
// stay apart from their full case mappings.
func TestKeysThatDiffer(t *testing.T) {
	for _, body := range []string{
		`{"\u0061":0,"\u0062":0,"\u0063":0}`,
		objectOf([]string{"\\u0061", "\\u0062", "c", "d", "e", "f", "g", "h", "\\u0069", "\\u006a", "\\u006b"}),
		objectOf([]string{"İ", "i", "ı", "ss", "ß", "a", "b", "c", "d", "e", "f", "g", "h"}),
		objectOf([]string{"@", "`", "[", "{", "^", "~", "\\u00f7", "\\u00d7", "a", "b", "\\ufffd"}),
	} {
		assert.NoError(t, checkStructure([]byte(body)), body)
	}
	for _, body := range []string{
		`{"\u0061":0,"\u0062":0,"\u0041":0}`,
		objectOf([]string{"\\u0061", "\\u0062", "c", "d", "e", "f", "g", "h", "\\u0069", "\\u006a", "\\u0041"}),
		objectOf([]string{"ǅ", "a", "b", "c", "d", "e", "f", "g", "h", "\\u01c4"}),
		objectOf([]string{"\\ud83d\\ude00", "a", "b", "c", "d", "e", "f", "g", "h", "😀"}),
		objectOf([]string{"\\ud800", "a", "b", "c", "d", "e", "f", "g", "h", "\\ufffd"}), // a lone surrogate decodes to U+FFFD
	} {
		assert.Equal(t, errDuplicateKey, checkStructure([]byte(body)), body)
	}
}

// Chat's own body is checked without allocating.
func TestCheckStructureOfChatsBodyAllocatesNothing(t *testing.T) {
	body, err := os.ReadFile("testdata/sample-request.json")
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(100, func() {
		if err := checkStructure(body); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}
