package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode"
	"unicode/utf8"
)

// MaxDepth is how deeply a webhook body may nest objects and arrays. Chat's bodies nest three deep
// (body, SubscribeAccountList, entry); anything far deeper is not from Chat.
const MaxDepth = 32

var (
	errDuplicateKey = errors.New("an object has the same key twice")
	errTooDeep      = errors.New("values are nested more than 32 deep")
)

// checkStructure rejects what encoding/json lets through silently: a key given twice in one object
// (it keeps the last, where another reader might keep the first; and it matches keys to fields
// without regard to case, so "official_account" counts as a second Official_Account), and absurd
// nesting. body must already be known to be one valid JSON value.
//
// It takes time linear in the body's bytes, whatever the body: a client picks how many keys an
// object has, so no key is compared with every other (see keySet).
func checkStructure(body []byte) error {
	w := walker{b: body}
	return w.value(0)
}

// walker steps through valid JSON without building anything.
type walker struct {
	b        []byte
	i        int
	fold     folder
	unquoted *string // the last escaped key, as encoding/json decodes it; made at the first
	key      []byte  // the last escaped key's bytes, until the next one
}

func (w *walker) value(depth int) error {
	w.space()
	switch w.b[w.i] {
	case '{':
		return w.object(depth + 1)
	case '[':
		return w.array(depth + 1)
	case '"':
		w.str()
	default: // number, true, false, null
		for w.i < len(w.b) && !endsScalar(w.b[w.i]) {
			w.i++
		}
	}
	return nil
}

// endsScalar reports whether c ends a number, true, false or null in valid JSON.
func endsScalar(c byte) bool {
	switch c {
	case ',', ']', '}', ' ', '\t', '\r', '\n':
		return true
	}
	return false
}

func (w *walker) object(depth int) error {
	if depth > MaxDepth {
		return errTooDeep
	}
	w.i++ // {
	var keys keySet
	w.space()
	if w.b[w.i] == '}' {
		w.i++
		return nil
	}
	for {
		w.space()
		start := w.i
		w.str()
		key, escaped := w.unquoteKey(w.b[start:w.i])
		if !keys.add(key, escaped, &w.fold) {
			return errDuplicateKey
		}
		w.space()
		w.i++ // :
		if err := w.value(depth); err != nil {
			return err
		}
		w.space()
		if w.b[w.i] == '}' {
			w.i++
			return nil
		}
		w.i++ // ,
	}
}

func (w *walker) array(depth int) error {
	if depth > MaxDepth {
		return errTooDeep
	}
	w.i++ // [
	w.space()
	if w.b[w.i] == ']' {
		w.i++
		return nil
	}
	for {
		if err := w.value(depth); err != nil {
			return err
		}
		w.space()
		if w.b[w.i] == ']' {
			w.i++
			return nil
		}
		w.i++ // ,
	}
}

// str steps over a string, from its opening quote to past its closing one.
func (w *walker) str() {
	w.i++
	for w.b[w.i] != '"' {
		if w.b[w.i] == '\\' {
			w.i++
		}
		w.i++
	}
	w.i++
}

func (w *walker) space() {
	for w.i < len(w.b) && (w.b[w.i] == ' ' || w.b[w.i] == '\t' || w.b[w.i] == '\r' || w.b[w.i] == '\n') {
		w.i++
	}
}

// unquoteKey returns a quoted key's content, and whether it was escaped: escaped keys are decoded
// as encoding/json decodes them, so "a" and "\u0061" are the same key, into a buffer that the next
// escaped key reuses.
func (w *walker) unquoteKey(quoted []byte) (key []byte, escaped bool) {
	if bytes.IndexByte(quoted, '\\') < 0 {
		return quoted[1 : len(quoted)-1], false
	}
	if w.unquoted == nil {
		w.unquoted = new(string)
	}
	if err := json.Unmarshal(quoted, w.unquoted); err != nil {
		return quoted, false // cannot happen for valid JSON; the raw form still compares
	}
	w.key = append(w.key[:0], *w.unquoted...)
	return w.key, true
}

// smallObject is how many keys an object may have before its keys are kept in a map: up to it,
// each key is compared with the earlier ones (at most smallObject-1 comparisons a key, and nothing
// allocated: Chat's objects have two to six keys); past it, each is looked up by its fold.
const smallObject = 8

// keySet holds the keys of one object, to tell whether a key was given before without regard to
// case, as bytes.EqualFold compares them.
type keySet struct {
	small [smallObject][]byte
	n     int
	folds map[string]struct{} // every key's fold, once the object has more than smallObject keys
}

// add adds key, and reports false when an equal key (bytes.EqualFold) was added before. A key that
// is transient (its buffer is reused) is copied if it is kept. f folds the key once the object is
// past smallObject keys.
func (s *keySet) add(key []byte, transient bool, f *folder) bool {
	if s.n < smallObject {
		for _, k := range s.small[:s.n] {
			if bytes.EqualFold(k, key) {
				return false
			}
		}
		if transient {
			key = bytes.Clone(key)
		}
		s.small[s.n] = key
		s.n++
		return true
	}
	if s.folds == nil {
		s.folds = make(map[string]struct{}, 4*smallObject)
		for _, k := range s.small {
			s.folds[string(f.fold(k))] = struct{}{}
		}
	}
	n := len(s.folds)
	s.folds[string(f.fold(key))] = struct{}{}
	return len(s.folds) > n
}

// folder folds keys (see fold), reusing its buffer and remembering the folds of the last runes it
// met outside ASCII.
type folder struct {
	buf   []byte
	cache *[256]struct{ r, least rune } // by the rune's low byte; made at the first rune outside ASCII
}

// fold returns key with each rune replaced by the least rune of its class under Unicode simple
// case folding (the runes unicode.SimpleFold cycles through from it), in a buffer that the next
// call reuses. bytes.EqualFold reports two strings equal when they have as many runes and each
// pair is of one class, so two keys are equal under it exactly when their folds are the same
// bytes. A byte that is not UTF-8 reads as U+FFFD, as EqualFold reads it.
func (f *folder) fold(key []byte) []byte {
	f.buf = f.buf[:0]
	for i := 0; i < len(key); {
		if c := key[i]; c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			f.buf = append(f.buf, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(key[i:])
		i += size
		f.buf = utf8.AppendRune(f.buf, f.least(r))
	}
	return f.buf
}

// least is the least rune of r's class under Unicode simple case folding; r is not ASCII.
func (f *folder) least(r rune) rune {
	if f.cache == nil {
		f.cache = new([256]struct{ r, least rune })
	}
	c := &f.cache[r&0xff]
	if c.r != r {
		c.r, c.least = r, r
		for g := unicode.SimpleFold(r); g != r; g = unicode.SimpleFold(g) {
			c.least = min(c.least, g)
		}
	}
	return c.least
}
