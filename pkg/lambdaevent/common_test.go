package lambdaevent

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/pkg/internal/mutate"
)

// commonEvents are the events readHTTPEvent is checked on: the fixtures and the console events.
func commonEvents(t testing.TB) [][]byte {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	require.NoError(t, err)
	more, err := filepath.Glob(filepath.Join("..", "..", "deploy", "events", "lambda-*.json"))
	require.NoError(t, err)
	var events [][]byte
	for _, name := range append(names, more...) {
		data, err := os.ReadFile(name)
		require.NoError(t, err)
		events = append(events, data)
	}
	return events
}

// assertSameAsGeneral checks that an event readHTTPEvent accepts is detected and decoded the same
// the general way.
func assertSameAsGeneral(t testing.TB, payload []byte) bool {
	t.Helper()
	kind, fast, ok := readHTTPEvent(payload)
	if !ok {
		return false
	}
	generalKind, what := detect(payload)
	require.Equal(t, generalKind, kind, "%q: %s", payload, what)
	general, err := decodeHTTPEvent(kind, payload)
	require.NoError(t, err, "readHTTPEvent accepted %q", payload)
	require.Equal(t, general, fast, "%q", payload)
	return true
}

func TestReadHTTPEventReadsAsTheGeneralWay(t *testing.T) {
	events := commonEvents(t)
	for _, name := range []string{"lambda-http-api.json", "lambda-rest-api.json"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "deploy", "events", name))
		require.NoError(t, err)
		assert.True(t, assertSameAsGeneral(t, data), "the console event is read the fast way: %s", name)
	}
	for _, name := range []string{"console-function-url.json", "sdk-http-api.json", "rest-api-header-case.json"} {
		assert.True(t, assertSameAsGeneral(t, fixture(t, name)), "read the fast way: %s", name)
	}
	for _, event := range []string{
		`{"version":"2.0","requestContext":{"domainName":"x.lambda-url.y","http":{"method":"POST"},"timeEpoch":-0},"cookies":["a",null],"headers":{"a":null},"x":[{"y":"\u0041"}]}`,
		" {\"requestContext\":{\"timeEpoch\":null,\"authorizer\":null},\"httpMethod\":\"POST\",\"multiValueHeaders\":{\"A\":[],\"B\":null},\"body\":\"a\\\"b\\n\"}\n",
		`{"requestContext":{},"version":"1.0","httpMethod":"POST","isBase64Encoded":true,"CallbackCommand":"x"}`,
	} {
		assert.True(t, assertSameAsGeneral(t, []byte(event)), "read the fast way: %s", event)
	}
	for _, event := range []string{
		`{"version":"2.0","version":"2.0","requestContext":{}}`,       // twice
		`{"version":"2.0","requestContext":{},"body":"a","body":"b"}`, // twice
		`{"version":"2.0","requestContext":{},"Body":"a"}`,            // matched in any case by encoding/json
		`{"version":"2.0","requestContext":{},"ſtageVariables":{}}`,   // so is this
		`{"version":"2.0","requestContext":{"http":{"Method":"GET"}}}`,
		`{"version":"2.0","requestContext":{"elb":{}}}`,
		`{"version":"2.0","requestContext":{"authorizer":{"lambda":{}}}}`,
		`{"version":"2.0","requestContext":{"timeEpoch":1.5}}`,
		`{"version":"2.0","requestContext":{"timeEpoch":01}}`,
		`{"version":"2.0","requestContext":{"timeEpoch":99999999999999999999}}`,
		`{"version":"2.0","requestContext":{},"body":"\u0041"}`,
		`{"version":"2.0","requestContext":{},"headers":{"a":"1","a":"2"}}`,
		`{"version":"2.0","requestContext":{},"headers":{"a":1}}`,
		`{"version":"2.0","requestContext":null}`,
		`{"requestContext":{},"httpMethod":null}`,
		`{"requestContext":{},"CallbackCommand":"x"}`,
		`{"requestContext":{},"httpMethod":"POST","requestContext":{}}`,
		`{"requestContext":{},"httpMethod":"POST"} {}`,
		"{\"requestContext\":{},\"httpMethod\":\"POST\",\"body\":\"\xff\"}",
	} {
		_, _, ok := readHTTPEvent([]byte(event))
		assert.False(t, ok, "left to the general way: %s", event)
	}

	// Random edits of the events: whatever readHTTPEvent accepts, the general way reads the same.
	r := rand.New(rand.NewPCG(7, 11))
	pieces := []string{"{", "}", "[", "]", ",", ":", `"`, " ", "\n", "\\", `\"`, `\n`, `\u0041`, "0", "1", "-", ".", "e",
		"a", "A", "é", "\x01", "\xff", "null", "true", "false", `{}`, `""`, `"x"`, `["a"]`, `"2.0"`, `".lambda-url."`,
		`"requestContext"`, `"version"`, `"httpMethod"`, `"HttpMethod"`, `"CallbackCommand"`, `"elb"`, `"domainName"`,
		`"http"`, `"method"`, `"Method"`, `"timeEpoch"`, `"authorizer"`, `"cookies"`, `"body"`, `"headers"`, `"Headers"`,
		`"multiValueHeaders"`, `"queryStringParameters"`, `"multiValueQueryStringParameters"`, `"rawQueryString"`,
		`"isBase64Encoded"`, `"identity"`, `"sourceIp"`}
	accepted := 0
	for range 30_000 {
		event := mutate.Edit(r, events[r.IntN(len(events))], pieces)
		if assertSameAsGeneral(t, event) {
			accepted++
		}
	}
	assert.Greater(t, accepted, 5000, "enough edited events take the fast way for the comparison to mean something")
}

func FuzzReadHTTPEvent(f *testing.F) {
	for _, event := range commonEvents(f) {
		f.Add(event)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		assertSameAsGeneral(t, payload)
	})
}
