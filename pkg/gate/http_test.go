package gate

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
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

// A request's X-Request-Id, when usable, is its ID in the log line and in the answer's
// X-Request-Id; any other request gets a new one, 16 hex digits.
func TestServeHTTPRequestID(t *testing.T) {
	generated := regexp.MustCompile(`^[0-9a-f]{16}$`)
	tests := []struct {
		name   string
		ids    []string // the request's X-Request-Id values
		method string
		kept   bool
	}{
		{name: "Kept", ids: []string{"abc-123"}, kept: true},
		{name: "KeptUUID", ids: []string{"c6af9ac6-7b61-11e6-9a41-93e8deadbeef"}, kept: true},
		{name: "KeptAtTheLengthLimit", ids: []string{strings.Repeat("r", maxRequestIDLen)}, kept: true},
		{name: "KeptOnARefusal", ids: []string{"abc-405"}, method: "GET", kept: true},
		{name: "Missing"},
		{name: "Empty", ids: []string{""}},
		{name: "TooLong", ids: []string{strings.Repeat("r", maxRequestIDLen+1)}},
		{name: "Space", ids: []string{"abc 123"}},
		{name: "ControlCharacter", ids: []string{"abc\x01"}},
		{name: "Newline", ids: []string{"abc\n{\"forged\":1}"}},
		{name: "NotASCII", ids: []string{"abc-é"}},
		{name: "Repeated", ids: []string{"one", "two"}},
		{name: "MissingOnARefusal", method: "GET"},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = "POST"
			}
			var logs bytes.Buffer
			req := httptest.NewRequest(method, "/?"+query(webhook.CommandBeforeAddSubscriber).Encode(), bytes.NewReader(sample(t)))
			for _, id := range tt.ids {
				req.Header.Add("X-Request-Id", id)
			}
			rec := httptest.NewRecorder()
			newGate(t, false, &logs).ServeHTTP(rec, req)
			got := rec.Header().Values("X-Request-Id")
			require.Len(t, got, 1, "the answer carries one X-Request-Id")
			if tt.kept {
				assert.Equal(t, tt.ids[0], got[0])
			} else {
				assert.Regexp(t, generated, got[0])
				assert.False(t, seen[got[0]], "a new ID each time")
				seen[got[0]] = true
			}
			var line map[string]any
			require.NoError(t, json.Unmarshal(logs.Bytes(), &line), logs.String())
			assert.Equal(t, got[0], line["request_id"], "the log line holds the same ID")
		})
	}
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
