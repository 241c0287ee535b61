package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
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
func checkStructure(body []byte) error {
	w := walker{b: body}
	return w.value(0)
}

// walker steps through valid JSON without building anything.
type walker struct {
	b []byte
	i int
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
		for w.i < len(w.b) && !bytes.ContainsRune([]byte(",]} \t\r\n"), rune(w.b[w.i])) {
			w.i++
		}
	}
	return nil
}

func (w *walker) object(depth int) error {
	if depth > MaxDepth {
		return errTooDeep
	}
	w.i++ // {
	var small [8][]byte
	keys := small[:0]
	w.space()
	if w.b[w.i] == '}' {
		w.i++
		return nil
	}
	for {
		w.space()
		start := w.i
		w.str()
		key := unquoteKey(w.b[start:w.i])
		for _, k := range keys {
			if bytes.EqualFold(k, key) {
				return errDuplicateKey
			}
		}
		keys = append(keys, key)
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

// unquoteKey returns a quoted key's content; escaped keys are decoded as encoding/json decodes them,
// so "a" and "\u0061" are the same key.
func unquoteKey(quoted []byte) []byte {
	if !bytes.ContainsRune(quoted, '\\') {
		return quoted[1 : len(quoted)-1]
	}
	var s string
	if err := json.Unmarshal(quoted, &s); err != nil {
		return quoted // cannot happen for valid JSON; the raw form still compares
	}
	return []byte(s)
}
