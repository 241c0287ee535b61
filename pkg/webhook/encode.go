package webhook

import (
	"bytes"
	"encoding/json"
)

// Encode returns the answer as compact JSON, fields in the documented order, as encoding/json
// writes it without HTML escaping: Chat reads JSON, not HTML, so "<", ">" and "&" stay as they are.
func (a Answer) Encode() []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	// An Answer holds only strings and an int: encoding cannot fail.
	_ = enc.Encode(a)
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}
