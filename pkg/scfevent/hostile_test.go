package scfevent

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/testkit"
	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/webhook"
)

const (
	answerFault     = `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"internal error in subgate; see its log"}`
	answerUndecided = `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"subgate cannot decide: internal error; see its log"}`
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

// panickingContext panics when the handler reads a value from it, such as the SCF request ID:
// a fault in the handler's own code, after the event has been read.
type panickingContext struct{ context.Context }

func (panickingContext) Value(any) any { panic("reading the context failed") }

// A panic in the core or in the handler's own code is logged once with its stack, and answered as
// an internal fault: by the fail mode (closed here) for a command subgate decides, else 500.
func TestHandlerRecoversPanics(t *testing.T) {
	panicking := panickingContext{context.Background()}
	tests := []struct {
		name    string
		policy  bool // false: the gate has a nil policy, so deciding panics in the core
		ctx     context.Context
		payload []byte
		want    string
	}{
		{"CorePanicFunctionURL", false, context.Background(), functionURLPayload(chatQuery(), nil, sampleBody), functionURLAnswer(200, answerUndecided)},
		{"CorePanicAPIGateway", false, context.Background(), apiGatewayPayload(chatQuery(), sampleBody, false), apiGatewayAnswer(200, answerUndecided)},
		{"CorePanicWebhookBody", false, context.Background(), []byte(sampleBody), answerUndecided},
		{"HandlerPanicFunctionURL", true, panicking, functionURLPayload(chatQuery(), nil, sampleBody), functionURLAnswer(200, answerUndecided)},
		{"HandlerPanicAPIGateway", true, panicking, apiGatewayPayload(chatQuery(), sampleBody, false), apiGatewayAnswer(200, answerUndecided)},
		{"HandlerPanicWebhookBody", true, panicking, []byte(sampleBody), answerUndecided},
		{"HandlerPanicUnrecognised", true, panicking, []byte(`{}`), answerFault},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, log := newTestHandler(exampleEnv())
			if !tt.policy {
				h = NewHandler(func() *gate.Gate {
					return gate.New(config.Config{SdkAppID: "1400000001"}, nil, gate.NewLogger(log, 0))
				})
			}
			out, err := h.Invoke(tt.ctx, tt.payload)
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(out))
			assert.Equal(t, 1, testkit.CountFaults(t, log.String()), "logged once")
			assert.Equal(t, 1, strings.Count(log.String(), `"msg":"undecided"`)+strings.Count(log.String(), `"status":500`), "and the request's line")

			// The handler keeps serving: a command that needs no policy is still answered.
			other := chatQuery()
			other["CallbackCommand"] = "Group.CallbackAfterSendMsg"
			out, err = h.Invoke(invocationContext("scf-2"), functionURLPayload(other, nil, `{}`))
			require.NoError(t, err)
			assert.JSONEq(t, functionURLAnswer(200, answerProceed), string(out))
		})
	}
}

func TestHandlerAnswersBeforeTheDeadline(t *testing.T) {
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select { // hang until the relay gives up or the test ends
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(backend.Close)
	t.Cleanup(func() { close(release) })
	h, log := newTestHandler(exampleEnv("SUBGATE_FORWARD_URL", backend.URL, "SUBGATE_FORWARD_TIMEOUT", "1800ms"))
	require.Equal(t, 1800*time.Millisecond, h.Gate().Config().ForwardTimeout)

	// The invocation's deadline (scf-go-lib puts SCF's on the context) is well inside the forward
	// timeout: without the handler's reserve the relay would run until SCF ends the invocation.
	start := time.Now()
	ctx, cancel := context.WithDeadline(invocationContext("scf-deadline"), start.Add(time.Second))
	defer cancel()
	query := chatQuery()
	query["CallbackCommand"] = "Group.CallbackAfterSendMsg"
	out, err := h.Invoke(ctx, functionURLPayload(query, nil, `{"CallbackCommand":"Group.CallbackAfterSendMsg"}`))
	require.NoError(t, err)
	assert.NoError(t, ctx.Err(), "answered before the invocation's deadline")
	assert.Less(t, time.Since(start), h.Gate().Config().ForwardTimeout)
	assert.JSONEq(t, functionURLAnswer(200, answerProceed), string(out))
	<-arrived // the request was relayed, and the backend never answered
	assert.Contains(t, log.String(), `"level":"WARN","msg":"decided","request_id":"scf-deadline","command":"Group.CallbackAfterSendMsg"`)
	assert.Contains(t, log.String(), `relay failed, answered OK instead`)
}

func TestHandlerLimits(t *testing.T) {
	withParams := func(n int) map[string]any {
		q := chatQuery()
		for i := range n {
			q[fmt.Sprint("p", i)] = ""
		}
		return q
	}
	arrayOfValues := chatQuery()
	arrayOfValues["many"] = make([]string, gate.MaxParams)
	manyHeaders := map[string]any{}
	for i := range gate.MaxParams + 1 {
		manyHeaders[fmt.Sprint("x-h", i)] = "v"
	}
	hugeQuery := chatQuery()
	hugeQuery["x"] = strings.Repeat("a", gate.MaxEnvelopeBytes)
	overLimit := func(info string) string { return functionURLAnswer(400, failure(info)) }
	tests := []struct {
		name    string
		payload []byte
		want    string
	}{
		{"AtTheParameterLimit", functionURLPayload(withParams(gate.MaxParams-5), nil, sampleBody), functionURLAnswer(200, answerRefusedJared)},
		{"OneOverTheParameterLimit", functionURLPayload(withParams(gate.MaxParams-4), nil, sampleBody), overLimit("the query string has more than 1000 parameters")},
		{"TenThousandQueryKeys", functionURLPayload(withParams(10000), nil, sampleBody), overLimit("the query string has more than 1000 parameters")},
		{"RepeatedKeyValuesCount", functionURLPayload(arrayOfValues, nil, sampleBody), overLimit("the query string has more than 1000 parameters")},
		{"OneMiBHeader", functionURLPayload(chatQuery(), map[string]any{"x-big": strings.Repeat("a", 1<<20)}, sampleBody),
			overLimit("the query string and headers are over 64 KiB")},
		{"HugeQueryValue", functionURLPayload(hugeQuery, nil, sampleBody), overLimit("the query string and headers are over 64 KiB")},
		{"TooManyHeaders", functionURLPayload(chatQuery(), manyHeaders, sampleBody), overLimit("the headers have more than 1000 values")},
		{"APIGatewayTenThousandQueryKeys", apiGatewayPayload(withParams(10000), sampleBody, false),
			apiGatewayAnswer(400, failure("the query string has more than 1000 parameters"))},
		{"Base64BodyOverOneMiB", apiGatewayPayload(chatQuery(), base64.StdEncoding.EncodeToString(make([]byte, 2<<20)), true),
			apiGatewayAnswer(413, failure("body is over 1 MiB"))},
		{"Base64BodyOverOneMiBWithGarbageAfter", apiGatewayPayload(chatQuery(), base64.StdEncoding.EncodeToString(make([]byte, 2<<20))+"!!", true),
			apiGatewayAnswer(413, failure("body is over 1 MiB"))},
	}
	h, _ := newTestHandler(exampleEnv())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := h.Invoke(invocationContext("scf-limits"), tt.payload)
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(got))
		})
	}
}
