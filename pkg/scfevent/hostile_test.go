package scfevent

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/testkit"
	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/webhook"
)

// chatQuery is the query Chat sends with the sample request.
func chatQuery() map[string]any {
	return map[string]any{"SdkAppid": "1400000001", "CallbackCommand": webhook.CommandBeforeAddSubscriber,
		"contenttype": "json", "ClientIP": "203.0.113.7", "OptPlatform": "RESTAPI"}
}

// functionURLPayload is a Function URL event posting body with query and headers.
func functionURLPayload(query map[string]any, headers map[string]any, body string) []byte {
	return mustJSON(map[string]any{"httpMethod": "POST", "path": "/", "queryString": query, "headers": headers, "body": body})
}

// apiGatewayPayload is an API Gateway event posting body, base64-encoded when isBase64.
func apiGatewayPayload(query map[string]any, body string, isBase64 bool) []byte {
	return mustJSON(map[string]any{"requestContext": map[string]any{"httpMethod": "POST", "requestId": "apigw-1"},
		"httpMethod": "POST", "path": "/", "queryString": query, "body": body, "isBase64Encoded": isBase64})
}

// platform is this package's side of the contracts both event packages keep (internal/testkit):
// Function URL events (what the function's URL sends) and API Gateway events (with base64 bodies).
func platform() testkit.EventPlatform {
	return testkit.EventPlatform{
		Kinds: []testkit.EventKind{
			{Name: "FunctionURL", Event: func(_ testing.TB, rawQuery string, headers map[string]string, body string, _ bool) []byte {
				return functionURLPayload(queryObject(rawQuery), headerObject(headers), body)
			}, Answer: functionURLAnswer},
			{Name: "APIGateway", Base64: true, Event: func(_ testing.TB, rawQuery string, headers map[string]string, body string, isBase64 bool) []byte {
				return apiGatewayPayload(queryObject(rawQuery), body, isBase64)
			}, Answer: apiGatewayAnswer},
		},
		Handler: func(g *gate.Gate) func(context.Context, []byte) ([]byte, error) {
			return NewHandler(func() *gate.Gate { return g }).Invoke
		},
		Context: invocationContext,
		Gate: func(t testing.TB, w io.Writer, env map[string]string) *gate.Gate {
			var extra []string
			for k, v := range env {
				extra = append(extra, k, v)
			}
			g := gate.FromEnv(exampleEnv(extra...), w)
			require.NoError(t, g.Err())
			return g
		},
	}
}

// queryObject is a query string as SCF gives it to a function: an object of the values, a
// repeated key's as an array.
func queryObject(rawQuery string) map[string]any {
	values := map[string][]string{}
	var keys []string
	for _, kv := range strings.Split(rawQuery, "&") {
		k, v, _ := strings.Cut(kv, "=")
		if _, ok := values[k]; !ok {
			keys = append(keys, k)
		}
		values[k] = append(values[k], v)
	}
	q := make(map[string]any, len(keys))
	for _, k := range keys {
		if len(values[k]) == 1 {
			q[k] = values[k][0]
		} else {
			q[k] = values[k]
		}
	}
	return q
}

func headerObject(headers map[string]string) map[string]any {
	if headers == nil {
		return nil
	}
	out := make(map[string]any, len(headers))
	for k, v := range headers {
		out[strings.ToLower(k)] = v
	}
	return out
}

func TestHandlerRecoversPanics(t *testing.T) { testkit.RunPanics(t, platform()) }

func TestHandlerAnswersBeforeTheDeadline(t *testing.T) { testkit.RunDeadline(t, platform()) }

// TestHandlerLimits: the limits of the contract (testkit.RunLimits), and of the values SCF gives
// a repeated key as an array.
func TestHandlerLimits(t *testing.T) {
	testkit.RunLimits(t, platform())

	arrayOfValues := chatQuery()
	arrayOfValues["many"] = make([]string, gate.MaxParams)
	h, _ := newTestHandler(exampleEnv())
	got, err := h.Invoke(invocationContext("scf-limits"), functionURLPayload(arrayOfValues, nil, sampleBody))
	require.NoError(t, err)
	assert.JSONEq(t, functionURLAnswer(400, failure("the query string has more than 1000 parameters")), string(got))
}
