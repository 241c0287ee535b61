package gate

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/pkg/webhook"
)

// The gate as an http.Handler, behind a real net/http server on loopback.
func TestServeHTTP(t *testing.T) {
	srv := httptest.NewServer(newGate(t, false, &bytes.Buffer{}))
	t.Cleanup(srv.Close)

	sampleURL := srv.URL + "/webhook?" + query(webhook.CommandBeforeAddSubscriber).Encode()
	tests := []struct {
		name   string
		method string
		url    string
		body   io.Reader
		status int
		want   string
	}{
		{name: "Sample", method: "POST", url: sampleURL, body: bytes.NewReader(sample(t)),
			status: 200, want: `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["jared"]}`},
		{name: "AnyPath", method: "POST", url: srv.URL + "/?" + query(webhook.CommandBeforeAddSubscriber).Encode(), body: bytes.NewReader(sample(t)),
			status: 200, want: `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["jared"]}`},
		{name: "Healthz", method: "GET", url: srv.URL + "/healthz", status: 200, want: `{"status":"ok"}`},
		{name: "GetWebhook", method: "GET", url: sampleURL,
			status: 405, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"method GET is not allowed: Chat sends webhooks with POST"}`},
		{name: "WrongAppID", method: "POST", url: srv.URL + "/?SdkAppid=1400000009&CallbackCommand=" + webhook.CommandBeforeAddSubscriber, body: bytes.NewReader(sample(t)),
			status: 403, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"SdkAppid 1400000009 does not match this deployment"}`},
		{name: "RepeatedAppID", method: "POST", url: sampleURL + "&SdkAppid=1400000009", body: bytes.NewReader(sample(t)),
			status: 403, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"SdkAppid is given more than once with different values"}`},
		{name: "Oversized", method: "POST", url: sampleURL, body: strings.NewReader(strings.Repeat(" ", 8<<20)),
			status: 413, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"body is over 1 MiB"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, tt.url, tt.body)
			require.NoError(t, err)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			got, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, tt.status, resp.StatusCode)
			assert.Equal(t, tt.want, string(got))
			assert.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
		})
	}
}

// An oversized body is answered after reading at most one byte past the limit.
func TestServeHTTPDoesNotReadOversizedBodyWhole(t *testing.T) {
	body := &countingReader{r: strings.NewReader(strings.Repeat("x", 4*MaxBodyBytes))}
	req := httptest.NewRequest("POST", "/?"+query(webhook.CommandBeforeAddSubscriber).Encode(), body)
	rec := httptest.NewRecorder()
	newGate(t, false, &bytes.Buffer{}).ServeHTTP(rec, req)
	assert.Equal(t, 413, rec.Code)
	assert.LessOrEqual(t, body.n, MaxBodyBytes+1+32<<10, "read no more than the limit and one buffer")
}

func TestServeHTTPRequestID(t *testing.T) {
	var logs bytes.Buffer
	req := httptest.NewRequest("POST", "/?"+query(webhook.CommandBeforeAddSubscriber).Encode(), bytes.NewReader(sample(t)))
	req.Header.Set("X-Request-Id", "abc-123")
	rec := httptest.NewRecorder()
	newGate(t, false, &logs).ServeHTTP(rec, req)
	assert.Equal(t, 200, rec.Code)
	assert.Contains(t, logs.String(), `"request_id":"abc-123"`)
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}
