package gate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/syncbuf"
	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/policy"
	"github.com/subgate/subgate/pkg/webhook"
)

const (
	appID = "1400000001"
	token = "test-token-not-a-secret"
)

// now is the injected clock of signed tests.
var now = time.Unix(1700000000, 0)

func sample(t *testing.T) []byte {
	t.Helper()
	body, err := os.ReadFile("testdata/sample-request.json")
	require.NoError(t, err)
	return body
}

func testPolicy(t *testing.T, text string) *policy.Policy {
	t.Helper()
	p, err := policy.Parse([]byte(text), "test", "testdata")
	require.NoError(t, err)
	return p
}

// newGate returns a gate on the example's rules, with a token when signed, logging to logs.
func newGate(t *testing.T, signed bool, logs *bytes.Buffer) *Gate {
	t.Helper()
	cfg := config.Config{SdkAppID: appID, MaxSkew: webhook.DefaultMaxSkew}
	if signed {
		cfg.Token = token
	}
	p := testPolicy(t, `
deny: ["jared"]
max_subscribers: 3
channels:
  "@TOA#_closed":
    closed: true
    reason: "not accepting subscribers"
`)
	return New(cfg, p, NewLogger(logs, slog.LevelDebug)).WithClock(func() time.Time { return now })
}

// query builds a webhook query string; pairs are extra key, value pairs (repeats allowed).
func query(command string, pairs ...string) url.Values {
	q := url.Values{"SdkAppid": {appID}, "contenttype": {"json"}, "ClientIP": {"127.0.0.1"}, "OptPlatform": {"RESTAPI"}}
	if command != "" {
		q.Set("CallbackCommand", command)
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		q.Add(pairs[i], pairs[i+1])
	}
	return q
}

func signedQuery(requestTime time.Time) url.Values {
	rt := strconv.FormatInt(requestTime.Unix(), 10)
	return query(webhook.CommandBeforeAddSubscriber, "Sign", webhook.Sign(token, rt), "RequestTime", rt)
}

func body(subscribers ...string) []byte {
	list := make([]map[string]string, len(subscribers))
	for i, s := range subscribers {
		list[i] = map[string]string{"Subscriber_Account": s}
	}
	b, _ := json.Marshal(map[string]any{
		"CallbackCommand": webhook.CommandBeforeAddSubscriber, "Official_Account": "@TOA#_news",
		"Operator_Account": "107867", "SubscribeAccountList": list, "EventTime": 1670574414123,
	})
	return b
}

func TestServe(t *testing.T) {
	add := webhook.CommandBeforeAddSubscriber
	tests := []struct {
		name   string
		signed bool
		req    Request
		status int
		want   string
	}{
		// The HTTP semantics table, row by row, in its order.
		{name: "MethodGet", req: Request{Method: "GET", Query: query(add)},
			status: 405, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"method GET is not allowed: Chat sends webhooks with POST"}`},
		{name: "MethodBeforeAppID", req: Request{Method: "PUT", Query: url.Values{}},
			status: 405, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"method PUT is not allowed: Chat sends webhooks with POST"}`},
		{name: "AppIDMissing", req: Request{Method: "POST", Query: url.Values{"CallbackCommand": {add}}, Body: body("a")},
			status: 403, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"SdkAppid is missing from the query string"}`},
		{name: "AppIDRepeatedDifferent", req: Request{Method: "POST", Query: query(add, "SdkAppid", "x"), Body: body("a")},
			status: 403, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"SdkAppid is given more than once with different values"}`},
		{name: "AppIDOther", req: Request{Method: "POST", Query: url.Values{"SdkAppid": {"1400000002"}, "CallbackCommand": {add}}, Body: body("a")},
			status: 403, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"SdkAppid 1400000002 does not match this deployment"}`},
		{name: "AppIDOddCharactersQuoted", req: Request{Method: "POST", Query: url.Values{"SdkAppid": {"14 00"}}},
			status: 403, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"SdkAppid \"14 00\" does not match this deployment"}`},
		{name: "AppIDRepeatedSame", req: Request{Method: "POST", Query: query(add, "SdkAppid", appID), Body: body("a")},
			status: 200, want: `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`},
		{name: "SignMissing", signed: true, req: Request{Method: "POST", Query: query(add), Body: body("a")},
			status: 401, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"request is not authenticated: Sign or RequestTime is missing (a webhook token is configured)"}`},
		{name: "SignWrong", signed: true, req: Request{Method: "POST", Query: query(add, "Sign", webhook.Sign("other", "1700000000"), "RequestTime", "1700000000"), Body: body("a")},
			status: 401, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"request is not authenticated: Sign does not match (check the token set in the Chat console)"}`},
		{name: "SignStale", signed: true, req: Request{Method: "POST", Query: signedQuery(now.Add(-61 * time.Second)), Body: body("a")},
			status: 401, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"request is not authenticated: RequestTime is outside the allowed clock skew"}`},
		{name: "SignedBeforeSize", signed: true, req: Request{Method: "POST", Query: query(add), Body: make([]byte, MaxBodyBytes+1)},
			status: 401, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"request is not authenticated: Sign or RequestTime is missing (a webhook token is configured)"}`},
		{name: "SignedFresh", signed: true, req: Request{Method: "POST", Query: signedQuery(now.Add(59 * time.Second)), Body: body("jared", "leckie")},
			status: 200, want: `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["jared"]}`},
		{name: "BodyTooLarge", req: Request{Method: "POST", Query: query(add), Body: make([]byte, MaxBodyBytes+1)},
			status: 413, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"body is over 1 MiB"}`},
		{name: "BodyTooLargeBeforeCommand", req: Request{Method: "POST", Query: query("Group.CallbackBeforeSendMsg"), Body: make([]byte, MaxBodyBytes+1)},
			status: 413, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"body is over 1 MiB"}`},
		{name: "OtherCommand", req: Request{Method: "POST", Query: query("Group.CallbackBeforeSendMsg"), Body: []byte(`not even json`)},
			status: 200, want: `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`},
		{name: "CommandMissing", req: Request{Method: "POST", Query: query(""), Body: body("a")},
			status: 400, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"CallbackCommand is missing from the query string"}`},
		{name: "CommandRepeated", req: Request{Method: "POST", Query: query(add, "CallbackCommand", "Group.CallbackBeforeSendMsg"), Body: body("a")},
			status: 400, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"CallbackCommand is given more than once with different values"}`},
		{name: "BodyNotJSON", req: Request{Method: "POST", Query: query(add), Body: []byte(`{"Official_Account":`)},
			status: 400, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"bad request body: body is not valid JSON: it ends inside its object"}`},
		{name: "BodyEmpty", req: Request{Method: "POST", Query: query(add)},
			status: 400, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"bad request body: body is empty"}`},
		{name: "ChannelMissing", req: Request{Method: "POST", Query: query(add), Body: []byte(`{"SubscribeAccountList":[]}`)},
			status: 400, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"bad request body: Official_Account is missing"}`},
		{name: "ListWrongType", req: Request{Method: "POST", Query: query(add), Body: []byte(`{"Official_Account":"@TOA#_a","SubscribeAccountList":"jared"}`)},
			status: 400, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"bad request body: SubscribeAccountList must be an array, not a JSON string"}`},
		{name: "BodyCommandDiffers", req: Request{Method: "POST", Query: query(add), Body: []byte(`{"CallbackCommand":"Group.X","Official_Account":"@TOA#_a","SubscribeAccountList":[]}`)},
			status: 400, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"the body's CallbackCommand Group.X differs from the query's"}`},
		{name: "BodyCommandAbsent", req: Request{Method: "POST", Query: query(add), Body: []byte(`{"Official_Account":"@TOA#_a","SubscribeAccountList":[{"Subscriber_Account":"jared"}]}`)},
			status: 200, want: `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["jared"]}`},
		{name: "PolicyClosed", req: Request{Method: "POST", Query: query(add), Body: []byte(`{"Official_Account":"@TOA#_closed","SubscribeAccountList":[{"Subscriber_Account":"a"}]}`)},
			status: 200, want: `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"not accepting subscribers"}`},
		{name: "PolicyTooMany", req: Request{Method: "POST", Query: query(add), Body: body("a", "b", "c", "d")},
			status: 200, want: `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"request has 4 subscribers; this app accepts at most 3 per request"}`},
		{name: "PolicyRefuses", req: Request{Method: "POST", Query: query(add), Body: body("jared", "leckie")},
			status: 200, want: `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["jared"]}`},
		{name: "PolicyAllows", req: Request{Method: "POST", Query: query(add), Body: body("leckie")},
			status: 200, want: `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			resp := newGate(t, tt.signed, &logs).Serve(context.Background(), tt.req)
			assert.Equal(t, tt.status, resp.StatusCode)
			assert.Equal(t, tt.want, string(resp.Body))
			assert.Equal(t, http.Header{"Content-Type": {"application/json; charset=utf-8"}}, resp.Header)
			assert.Equal(t, 1, strings.Count(logs.String(), "\n"), "one log line per request")
			assert.NotContains(t, logs.String(), token)
		})
	}
}

func TestServeSample(t *testing.T) {
	var logs bytes.Buffer
	resp := newGate(t, false, &logs).Serve(context.Background(), Request{
		Method: "POST", Query: query(webhook.CommandBeforeAddSubscriber), Body: sample(t), RequestID: "req-1",
	})
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["jared"]}`, string(resp.Body))

	var line map[string]any
	require.NoError(t, json.Unmarshal(logs.Bytes(), &line))
	assert.Equal(t, "INFO", line["level"])
	assert.Equal(t, "decided", line["msg"])
	assert.Equal(t, "req-1", line["request_id"])
	assert.Equal(t, webhook.CommandBeforeAddSubscriber, line["command"])
	assert.Equal(t, appID, line["sdkappid"])
	assert.Equal(t, "@TOA#_test_for_penn", line["official_account"])
	assert.Equal(t, "107867", line["operator_account"])
	assert.Equal(t, 2.0, line["subscribers"])
	assert.Equal(t, 1.0, line["refused"])
	assert.Equal(t, 0.0, line["error_code"])
	assert.Equal(t, 200.0, line["status"])
	assert.Contains(t, line, "duration_ms")
	assert.Contains(t, line, "time")
	assert.NotContains(t, line, "reason")
}

func TestFailureLogsWarnWithReason(t *testing.T) {
	var logs bytes.Buffer
	rt := strconv.FormatInt(now.Unix(), 10)
	badSign := webhook.Sign("guess", rt)
	newGate(t, true, &logs).Serve(context.Background(), Request{
		Method: "POST", Query: query(webhook.CommandBeforeAddSubscriber, "Sign", badSign, "RequestTime", rt), Body: sample(t),
	})
	var line map[string]any
	require.NoError(t, json.Unmarshal(logs.Bytes(), &line))
	assert.Equal(t, "WARN", line["level"])
	assert.Equal(t, "failed", line["msg"])
	assert.Equal(t, 401.0, line["status"])
	assert.Equal(t, "request is not authenticated: Sign does not match (check the token set in the Chat console)", line["reason"])
	assert.NotContains(t, logs.String(), badSign)
	assert.NotContains(t, logs.String(), webhook.Sign(token, rt))
}

func TestLogLevelFiltersLines(t *testing.T) {
	var logs bytes.Buffer
	g := New(config.Config{SdkAppID: appID}, policy.AllowAll(), NewLogger(&logs, slog.LevelWarn))
	g.Serve(context.Background(), Request{Method: "POST", Query: query(webhook.CommandBeforeAddSubscriber), Body: sample(t)})
	assert.Empty(t, logs.String(), "a decided request logs at info")
	g.Serve(context.Background(), Request{Method: "GET"})
	assert.Contains(t, logs.String(), `"level":"WARN"`)
}

func TestServeDirect(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string
	}{
		{name: "Sample", body: string(mustRead(t, "testdata/sample-request.json")),
			want: `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["jared"]}`},
		{name: "OtherCommand", body: `{"CallbackCommand":"Group.CallbackAfterNewMemberJoin"}`,
			want: `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`},
		{name: "CommandMissing", body: `{"Official_Account":"@TOA#_a","SubscribeAccountList":[]}`,
			want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"CallbackCommand is missing from the body"}`},
		{name: "BadBody", body: `{"CallbackCommand":"OfficialAccount.CallbackBeforeAddSubscriber"}`,
			want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"bad request body: Official_Account is missing"}`},
		{name: "Closed", body: `{"CallbackCommand":"OfficialAccount.CallbackBeforeAddSubscriber","Official_Account":"@TOA#_closed","SubscribeAccountList":[]}`,
			want: `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"not accepting subscribers"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			got := newGate(t, true, &logs).ServeDirect(context.Background(), []byte(tt.body), "inv-1")
			assert.Equal(t, tt.want, string(got))
			assert.Contains(t, logs.String(), `"request_id":"inv-1"`)
		})
	}
}

func TestFromEnv(t *testing.T) {
	var logs bytes.Buffer
	g := FromEnv(func(k string) string {
		return map[string]string{config.EnvSdkAppID: appID, config.EnvPolicy: `deny: ["leckie"]`}[k]
	}, &logs)
	require.NoError(t, g.Err())
	var started map[string]any
	require.NoError(t, json.Unmarshal(logs.Bytes(), &started), "one start-up line: %s", logs.String())
	delete(started, "time")
	assert.NotEmpty(t, started["version"])
	delete(started, "version")
	assert.Contains(t, started, "load_ms")
	delete(started, "load_ms")
	assert.Equal(t, map[string]any{"level": "INFO", "msg": "started", "sdkappid": appID, "token": false, "forward": false, "fail_mode": "closed",
		"policy": testPolicy(t, `deny: ["leckie"]`).Info().Revision, "policy_origin": "SUBGATE_POLICY", "mode": "enforce", "indexed": false,
		"exact_ids": float64(1), "patterns": float64(0), "channels": float64(0), "trusted_operators": float64(0)}, started)
	resp := g.Serve(context.Background(), Request{Method: "POST", Query: query(webhook.CommandBeforeAddSubscriber), Body: sample(t)})
	assert.Equal(t, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["leckie"]}`, string(resp.Body))
}

func TestConcurrentRequests(t *testing.T) {
	var logs syncbuf.Buffer
	g := New(config.Config{SdkAppID: appID, Token: token}, testPolicy(t, `deny: ["jared"]`), NewLogger(&logs, slog.LevelInfo))
	var wg sync.WaitGroup
	errs := make(chan error, 400)
	for i := range 400 {
		wg.Go(func() {
			rt := strconv.FormatInt(time.Now().Unix(), 10)
			q := query(webhook.CommandBeforeAddSubscriber, "Sign", webhook.Sign(token, rt), "RequestTime", rt)
			want := `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`
			subscriber := fmt.Sprintf("user%d", i)
			if i%2 == 0 {
				subscriber = "jared"
				want = `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["jared"]}`
			}
			resp := g.Serve(context.Background(), Request{Method: "POST", Query: q, Body: body(subscriber)})
			if string(resp.Body) != want {
				errs <- errors.New(string(resp.Body))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assert.Equal(t, 400, strings.Count(logs.String(), "\n"))
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

func TestUnrecognised(t *testing.T) {
	var logs bytes.Buffer
	assert.Equal(t, `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"event not recognised: payload is not JSON; subgate takes the HTTP events of the function's URL or gateway, or a webhook body"}`,
		string(newGate(t, false, &logs).Unrecognised(context.Background(), "inv-9", "payload is not JSON")))
	assert.Contains(t, logs.String(), `"level":"WARN","msg":"failed","request_id":"inv-9","reason":"event not recognised: payload is not JSON"`)

	// A configuration error is the more useful answer: it names what to fix.
	broken := Broken(errors.New("SUBGATE_SDKAPPID is not set"), config.FailClosed, NewLogger(&logs, slog.LevelInfo))
	assert.Equal(t, `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"subgate is not configured correctly: SUBGATE_SDKAPPID is not set"}`,
		string(broken.Unrecognised(context.Background(), "", "payload is not JSON")))
}

func TestServeDirectNotJSON(t *testing.T) {
	var logs bytes.Buffer
	got := newGate(t, false, &logs).ServeDirect(context.Background(), []byte(`[1]`), "")
	assert.Equal(t, `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"bad request body: body is not a JSON object"}`, string(got))
}
