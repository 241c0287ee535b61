package scfevent

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/pkg/internal/mutate"
)

// commonEvents are the events readCommon is checked on: the fixtures and the console events.
func commonEvents(t testing.TB) [][]byte {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	require.NoError(t, err)
	more, err := filepath.Glob(filepath.Join("..", "..", "deploy", "events", "scf-*.json"))
	require.NoError(t, err)
	var events [][]byte
	for _, name := range append(names, more...) {
		data, err := os.ReadFile(name)
		require.NoError(t, err)
		events = append(events, data)
	}
	return events
}

// assertSameAsGeneral checks that an event readCommon accepts is detected and decoded the same
// the general way.
func assertSameAsGeneral(t testing.TB, payload []byte) bool {
	t.Helper()
	kind, fast, ok := readCommon(payload)
	if !ok {
		return false
	}
	generalKind, fields, why := detect(payload)
	require.Equal(t, generalKind, kind, "%q: %s", payload, why)
	switch kind {
	case APIGateway:
		general, err := decodeAPIGateway(fields)
		require.NoError(t, err, "readCommon accepted %q", payload)
		require.Equal(t, general, fast, "%q", payload)
	case FunctionURL:
		general, err := decodeFunctionURL(fields)
		require.NoError(t, err, "readCommon accepted %q", payload)
		require.Equal(t, general, fast.functionURL(), "%q", payload)
	default:
		require.Failf(t, "readCommon accepted an event that is not HTTP", "%s: %q", kind, payload)
	}
	return true
}

func TestReadCommonReadsAsTheGeneralWay(t *testing.T) {
	events := commonEvents(t)
	for _, name := range []string{"scf-apigw.json", "scf-function-url.json"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "deploy", "events", name))
		require.NoError(t, err)
		assert.True(t, assertSameAsGeneral(t, data), "the console event is read the fast way: %s", name)
	}
	for _, event := range []string{
		`{"httpMethod":"POST","path":"/","body":"a\"b\\c\/d\b\f\n\r\t","headers":{"B":"1","b":"2","A":""},"queryString":{}}`,
		" \n{\"requestContext\":{},\"headers\":{},\"queryStringParameters\":{\"a\":\"1\"},\"isBase64Encoded\":true}\t",
		`{"requestContext":{"requestId":"r","httpMethod":"GET","x":[1,{"y":null}]},"other":"\u0041","n":-1.5e+3}`,
		`{"httpMethod":"é界","CallbackCommand":"x","requestcontext":{"RequestId":1}}`,
	} {
		assert.True(t, assertSameAsGeneral(t, []byte(event)), "read the fast way: %s", event)
	}
	for _, event := range []string{
		`{"httpMethod":"POST","httpMethod":"GET"}`,          // twice
		`{"httpMethod":"P\u004fST"}`,                        // a \u escape
		`{"httpMethod":null}`,                               // null
		`{"httpMethod":"POST","body":1}`,                    // a wrong type
		`{"httpMethod":"POST","headers":{"A":"1","A":"2"}}`, // a header twice
		`{"httpMethod":"POST","headers":{"A":["1"]}}`,       // a list of values
		`{"httpMethod":"POST","queryString":{"a":"1","a":"2"}}`,
		`{"httpMethod":"POST","queryString":{"a":true}}`,
		`{"httpMethod":"POST","isBase64Encoded":"true"}`,
		`{"requestContext":{"RequestId":"r"}}`, // matched in any case by encoding/json
		`{"requestContext":{"requeſtId":"r"}}`, // so is this
		`{"requestContext":null,"httpMethod":"POST"}`,
		`{"CallbackCommand":"x"}`,
		`{"httpMethod":"POST"} {}`,
		"\xef\xbb\xbf{\"httpMethod\":\"POST\"}",
		"{\"httpMethod\":\"\xff\"}",
		`{"httpMethod":"POST","x":01}`,
		`{"httpMethod":"POST","x":"\x"}`,
	} {
		_, _, ok := readCommon([]byte(event))
		assert.False(t, ok, "left to the general way: %s", event)
	}

	// Random edits of the events: whatever readCommon accepts, the general way reads the same.
	r := rand.New(rand.NewPCG(7, 11))
	pieces := []string{"{", "}", "[", "]", ",", ":", `"`, " ", "\n", "\\", `\"`, `\n`, `\u0041`, "0", "1", "-", ".", "e",
		"a", "A", "é", "\x01", "\xff", "null", "true", "false", `{}`, `""`, `"x"`, `["a"]`,
		`"requestContext"`, `"httpMethod"`, `"HttpMethod"`, `"requestId"`, `"RequestID"`, `"path"`, `"body"`, `"headers"`,
		`"queryString"`, `"queryStringParameters"`, `"isBase64Encoded"`, `"CallbackCommand"`, `"Content-Type"`, `"content-type"`}
	accepted := 0
	for range 30_000 {
		event := mutate.Edit(r, events[r.IntN(len(events))], pieces)
		if assertSameAsGeneral(t, event) {
			accepted++
		}
	}
	assert.Greater(t, accepted, 5000, "enough edited events take the fast way for the comparison to mean something")
}

func FuzzReadCommon(f *testing.F) {
	for _, event := range commonEvents(f) {
		f.Add(event)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		assertSameAsGeneral(t, payload)
	})
}
