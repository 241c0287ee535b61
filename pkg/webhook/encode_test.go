package webhook

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// referenceEncode is how answers were encoded before Encode was written by hand: encoding/json
// without HTML escaping. Encode must agree with it byte for byte.
func referenceEncode(t *testing.T, a Answer) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(a))
	return strings.TrimSuffix(buf.String(), "\n")
}

func TestEncodeAgreesWithEncodingJSON(t *testing.T) {
	special := []string{"", "jared", `"quoted" \back\slash/`, "<a href='x'>&amp;</a>", "tab\there\nnew\rline\b\f",
		"\x00\x01\x1f\x7f", "é界🙂", "\u2028\u2029", "bad \xff\xfe utf-8 \xe4\xb8", "\ufffd"}
	answers := []Answer{Proceed(nil), Proceed([]string{}), Proceed(special), Reject("closed"), Failure(strings.Join(special, "|")),
		{ActionStatus: "OK", ErrorCode: -7, ErrorInfo: "negative"}}
	r := rand.New(rand.NewPCG(9, 9))
	pieces := []string{"a", "\"", "\\", "\n", "\x01", "<", "&", "é", "界", "\u2028", "\xff", "\xe4\xb8", "🙂", "\x7f"}
	for range 2000 {
		var ids []string
		for range r.IntN(4) {
			var b strings.Builder
			for range r.IntN(6) {
				b.WriteString(pieces[r.IntN(len(pieces))])
			}
			ids = append(ids, b.String())
		}
		answers = append(answers, Answer{ActionStatus: StatusOK, ErrorCode: r.IntN(3), ErrorInfo: strings.Join(ids, ""), Refused: ids})
	}
	for _, a := range answers {
		assert.Equal(t, referenceEncode(t, a), string(a.Encode()), "%q", a)
	}
}
