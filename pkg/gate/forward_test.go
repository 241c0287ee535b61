package gate

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/policy"
	"github.com/subgate/subgate/pkg/webhook"
)

// seen is what a test backend received.
type seen struct {
	method, rawQuery, contentType, requestID string
	body                                     []byte
}

// backend starts a loopback backend that records each request and answers with answer.
func backend(t *testing.T, answer http.HandlerFunc) (*httptest.Server, chan seen) {
	t.Helper()
	got := make(chan seen, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, r.URL.RawQuery, r.Header.Get("Content-Type"), r.Header.Get(RequestIDHeader), body}
		answer(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

func relayGate(t *testing.T, target string, timeout time.Duration, signed bool, logs io.Writer) *Gate {
	t.Helper()
	u, err := url.Parse(target)
	require.NoError(t, err)
	cfg := config.Config{SdkAppID: appID, ForwardURL: u, ForwardTimeout: timeout}
	if signed {
		cfg.Token = token
	}
	p, err := policy.Parse([]byte(`deny: ["jared"]`), "test", ".")
	require.NoError(t, err)
	return New(cfg, p, NewLogger(logs, slog.LevelDebug))
}

const groupBody = `{"CallbackCommand":"Group.CallbackBeforeSendMsg","GroupId":"@TGS#1","From_Account":"jared","MsgBody":[]}`

func groupRequest(rawQuery string) Request {
	q, _ := url.ParseQuery(rawQuery)
	return Request{Method: "POST", Query: q, RawQuery: rawQuery, Header: http.Header{"Content-Type": {"application/json; charset=utf-8"}},
		Body: []byte(groupBody), RequestID: "req-42"}
}

func TestRelayAnswerComesBackByteForByte(t *testing.T) {
	answer := `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"muted by the app",  "MsgBody":[]}`
	srv, got := backend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, answer)
	})
	rt := strconv.FormatInt(time.Now().Unix(), 10)
	// The query string as Chat sent it, in its own order, including Sign: it must arrive unchanged.
	rawQuery := "SdkAppid=" + appID + "&CallbackCommand=Group.CallbackBeforeSendMsg&contenttype=json&ClientIP=1.2.3.4&OptPlatform=iOS&RequestTime=" + rt + "&Sign=" + webhook.Sign(token, rt)
	var logs bytes.Buffer
	resp := relayGate(t, srv.URL+"/im/callback", time.Second, true, &logs).Serve(context.Background(), groupRequest(rawQuery))

	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, answer, string(resp.Body))
	assert.Equal(t, http.Header{"Content-Type": {"application/json"}}, resp.Header)
	s := <-got
	assert.Equal(t, "POST", s.method)
	assert.Equal(t, rawQuery, s.rawQuery)
	assert.Equal(t, "application/json; charset=utf-8", s.contentType)
	assert.Equal(t, "req-42", s.requestID)
	assert.Equal(t, groupBody, string(s.body))

	var line map[string]any
	require.NoError(t, json.Unmarshal(logs.Bytes(), &line))
	assert.Equal(t, "relayed", line["msg"])
	assert.Equal(t, "INFO", line["level"])
	assert.Equal(t, "Group.CallbackBeforeSendMsg", line["command"])
	assert.Contains(t, line, "backend_ms")
}

func TestRelayKeepsForwardURLQuery(t *testing.T) {
	srv, got := backend(t, func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, `{}`) })
	resp := relayGate(t, srv.URL+"/cb?route=im", time.Second, false, io.Discard).Serve(context.Background(), groupRequest("SdkAppid="+appID+"&CallbackCommand=C2C.CallbackAfterSendMsg"))
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "route=im&SdkAppid="+appID+"&CallbackCommand=C2C.CallbackAfterSendMsg", (<-got).rawQuery)
}

func TestRelayFailuresDegradeToOK(t *testing.T) {
	refused := httptest.NewServer(http.NotFoundHandler())
	refusedURL := refused.URL
	refused.Close() // nothing listens there any more

	tests := []struct {
		name    string
		url     string
		handler http.HandlerFunc
		reason  string
	}{
		{name: "ConnectionRefused", url: refusedURL, reason: "backend did not answer: "},
		{name: "Slow", handler: func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}, reason: "backend did not answer within 200ms"},
		{name: "ServerError", handler: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, `{"ActionStatus":"FAIL"}`)
		}, reason: "backend answered status 502"},
		{name: "NotJSON", handler: func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, `<html>maintenance</html>`)
		}, reason: "backend's answer (status 200) is not JSON"},
		{name: "Oversized", handler: func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, `["`+strings.Repeat("x", MaxBodyBytes)+`"]`)
		}, reason: "backend's answer is over 1 MiB"},
		{name: "Redirect", handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://elsewhere.invalid/", http.StatusFound)
		}, reason: "backend answered a redirect (status 302), which subgate does not follow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := tt.url
			if tt.handler != nil {
				srv, _ := backend(t, tt.handler)
				target = srv.URL
			}
			var logs bytes.Buffer
			const sign = "Sign=not-for-the-log"
			resp := relayGate(t, target, 200*time.Millisecond, false, &logs).Serve(context.Background(), groupRequest("SdkAppid="+appID+"&CallbackCommand=Group.CallbackBeforeSendMsg&"+sign))
			assert.Equal(t, 200, resp.StatusCode)
			assert.Equal(t, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`, string(resp.Body))
			assert.Equal(t, http.Header{"Content-Type": {ContentType}}, resp.Header)
			var line map[string]any
			require.NoError(t, json.Unmarshal(logs.Bytes(), &line))
			assert.Equal(t, "WARN", line["level"])
			assert.Equal(t, "Group.CallbackBeforeSendMsg", line["command"])
			assert.Contains(t, line["reason"], "relay failed, answered OK instead: "+tt.reason)
			assert.NotContains(t, logs.String(), sign, "the relayed query (and its Sign) is never logged")
		})
	}
}

func TestRelayBackend4xxIsRelayed(t *testing.T) {
	srv, _ := backend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"bad sign"}`)
	})
	resp := relayGate(t, srv.URL, time.Second, false, io.Discard).Serve(context.Background(), groupRequest("SdkAppid="+appID+"&CallbackCommand=Group.CallbackBeforeSendMsg"))
	assert.Equal(t, 403, resp.StatusCode)
	assert.Equal(t, `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"bad sign"}`, string(resp.Body))
}

// Only other commands, and only requests that passed the checks, reach the backend.
func TestRelayNeverForwards(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_, _ = io.WriteString(w, `{}`)
	}))
	t.Cleanup(srv.Close)
	g := relayGate(t, srv.URL, time.Second, true, io.Discard)
	rt := strconv.FormatInt(time.Now().Unix(), 10)
	signed := "&RequestTime=" + rt + "&Sign=" + webhook.Sign(token, rt)

	tests := []struct {
		name     string
		rawQuery string
		body     string
		status   int
		want     string
	}{
		{name: "BeforeAddSubscriber", rawQuery: "SdkAppid=" + appID + "&CallbackCommand=" + webhook.CommandBeforeAddSubscriber + signed,
			body: string(body("jared")), status: 200, want: `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["jared"]}`},
		{name: "WrongAppID", rawQuery: "SdkAppid=1400000009&CallbackCommand=Group.CallbackBeforeSendMsg" + signed, body: groupBody,
			status: 403, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"SdkAppid 1400000009 does not match this deployment"}`},
		{name: "Unsigned", rawQuery: "SdkAppid=" + appID + "&CallbackCommand=Group.CallbackBeforeSendMsg", body: groupBody,
			status: 401, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"request is not authenticated: Sign or RequestTime is missing (a webhook token is configured)"}`},
		{name: "BadSign", rawQuery: "SdkAppid=" + appID + "&CallbackCommand=Group.CallbackBeforeSendMsg&RequestTime=" + rt + "&Sign=" + webhook.Sign("guess", rt), body: groupBody,
			status: 401, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"request is not authenticated: Sign does not match (check the token set in the Chat console)"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := groupRequest(tt.rawQuery)
			req.Body = []byte(tt.body)
			resp := g.Serve(context.Background(), req)
			assert.Equal(t, tt.status, resp.StatusCode)
			assert.Equal(t, tt.want, string(resp.Body))
		})
	}
	assert.Zero(t, calls.Load())
}

// The relay also works through the HTTP entry, which hands it the raw query string.
func TestRelayThroughServeHTTP(t *testing.T) {
	srv, got := backend(t, func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, `{"ok":true}`) })
	front := httptest.NewServer(relayGate(t, srv.URL, time.Second, false, io.Discard))
	t.Cleanup(front.Close)
	rawQuery := "CallbackCommand=Group.CallbackAfterSendMsg&SdkAppid=" + appID + "&ClientIP=%3A%3A1"
	resp, err := http.Post(front.URL+"/?"+rawQuery, "application/json", strings.NewReader(groupBody))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	assert.Equal(t, `{"ok":true}`, string(b))
	assert.Equal(t, rawQuery, (<-got).rawQuery)
}

// A relay cut by the invocation's deadline, before its own timeout, says so.
func TestRelayCutByInvocationDeadline(t *testing.T) {
	srv, _ := backend(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	var logs bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	resp := relayGate(t, srv.URL, time.Second, false, &logs).Serve(ctx, groupRequest("SdkAppid="+appID+"&CallbackCommand=Group.CallbackBeforeSendMsg"))
	assert.Equal(t, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`, string(resp.Body))
	assert.Contains(t, logs.String(), `"reason":"relay failed, answered OK instead: backend did not answer before the invocation's deadline"`)
}
