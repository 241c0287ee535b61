package httpserver

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/policy"
	"github.com/subgate/subgate/pkg/webhook"
)

const (
	appID = "1400000001"
	token = "load-test-token"
)

// serve runs the real server on a loopback port until the test ends; tune adjusts its settings.
func serve(t *testing.T, handler http.Handler, tune func(*http.Server)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := New(handler)
	if tune != nil {
		tune(srv)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

func testGate(t *testing.T) *gate.Gate {
	t.Helper()
	p, err := policy.Parse([]byte(`deny: ["jared", "banned_*"]`), "test", ".")
	require.NoError(t, err)
	return gate.New(config.Config{SdkAppID: appID, Token: token}, p, gate.NewLogger(io.Discard, slog.LevelError))
}

func TestServerSettings(t *testing.T) {
	srv := New(http.NotFoundHandler())
	assert.Equal(t, ReadHeaderTimeout, srv.ReadHeaderTimeout)
	assert.Equal(t, ReadTimeout, srv.ReadTimeout)
	assert.Equal(t, WriteTimeout, srv.WriteTimeout)
	assert.Equal(t, IdleTimeout, srv.IdleTimeout)
	assert.Equal(t, MaxHeaderBytes, srv.MaxHeaderBytes)
}

func TestHugeHeadersRefused(t *testing.T) {
	addr := serve(t, testGate(t), nil)
	req, err := http.NewRequest("POST", "http://"+addr+"/?SdkAppid="+appID, strings.NewReader("{}"))
	require.NoError(t, err)
	req.Header.Set("X-Padding", strings.Repeat("x", 2*MaxHeaderBytes))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, resp.StatusCode)

	resp, err = http.Post("http://"+addr+"/?SdkAppid="+appID+"&pad="+strings.Repeat("x", 2*MaxHeaderBytes), "application/json", strings.NewReader("{}"))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, resp.StatusCode)
}

// A client that sends its body slowly is cut off at the read timeout while others are served.
func TestSlowClientIsCutOff(t *testing.T) {
	addr := serve(t, testGate(t), func(s *http.Server) { s.ReadTimeout = 300 * time.Millisecond })

	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	_, err = fmt.Fprintf(conn, "POST /?SdkAppid=%s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", appID)
	require.NoError(t, err)

	// Meanwhile a normal client gets its answer.
	status, body := post(t, addr, signedQuery(webhook.CommandBeforeAddSubscriber), sampleBody("jared", "leckie"))
	assert.Equal(t, 200, status)
	assert.Equal(t, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["jared"]}`, body)

	// The slow one is answered (its body could not be read) and its connection closed, well before
	// it would have finished.
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	reply, err := io.ReadAll(conn)
	require.NoError(t, err, "the server closed the connection")
	assert.Contains(t, string(reply), "HTTP/1.1 400 Bad Request")
	assert.Contains(t, string(reply), `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"the request body could not be read"}`)
}

func TestRunShutsDownGracefully(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, ln, testGate(t), slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	status, _ := post(t, ln.Addr().String(), signedQuery(webhook.CommandBeforeAddSubscriber), sampleBody("a"))
	assert.Equal(t, 200, status)
	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	_, err = net.Dial("tcp", ln.Addr().String())
	assert.Error(t, err, "the listener is closed")
}

func signedQuery(command string) string {
	rt := strconv.FormatInt(time.Now().Unix(), 10)
	return "SdkAppid=" + appID + "&CallbackCommand=" + command + "&RequestTime=" + rt + "&Sign=" + webhook.Sign(token, rt)
}

func sampleBody(subscribers ...string) string {
	var list []string
	for _, s := range subscribers {
		list = append(list, fmt.Sprintf(`{"Subscriber_Account":%q}`, s))
	}
	return `{"CallbackCommand":"OfficialAccount.CallbackBeforeAddSubscriber","Official_Account":"@TOA#_news","Operator_Account":"op","SubscribeAccountList":[` + strings.Join(list, ",") + `]}`
}

var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second}

func post(t *testing.T, addr, rawQuery, body string) (int, string) {
	t.Helper()
	resp, err := client.Post("http://"+addr+"/?"+rawQuery, "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// A bounded load of valid, forged and malformed requests, 50 at a time: every answer is checked,
// and the count of each answer matches what was sent.
func TestLoadMixedRequests(t *testing.T) {
	addr := serve(t, testGate(t), nil)
	type kind struct {
		name   string
		query  func() string
		body   string
		status int
		want   string
	}
	kinds := []kind{
		{name: "valid", query: func() string { return signedQuery(webhook.CommandBeforeAddSubscriber) }, body: sampleBody("jared", "leckie", "banned_1"),
			status: 200, want: `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["jared","banned_1"]}`},
		{name: "other command", query: func() string { return signedQuery("Group.CallbackAfterSendMsg") }, body: `{}`,
			status: 200, want: `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`},
		{name: "forged sign", query: func() string {
			rt := strconv.FormatInt(time.Now().Unix(), 10)
			return "SdkAppid=" + appID + "&CallbackCommand=" + webhook.CommandBeforeAddSubscriber + "&RequestTime=" + rt + "&Sign=" + webhook.Sign("guess", rt)
		}, body: sampleBody("jared"),
			status: 401, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"request is not authenticated: Sign does not match (check the token set in the Chat console)"}`},
		{name: "other app", query: func() string {
			return strings.Replace(signedQuery(webhook.CommandBeforeAddSubscriber), appID, "1400000009", 1)
		}, body: sampleBody("jared"),
			status: 403, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"SdkAppid 1400000009 does not match this deployment"}`},
		{name: "malformed", query: func() string { return signedQuery(webhook.CommandBeforeAddSubscriber) }, body: `{"Official_Account":`,
			status: 400, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"bad request body: body is not valid JSON: it ends inside its object"}`},
	}
	const total, concurrency = 3000, 50
	var mu sync.Mutex
	answered := map[string]int{}
	var failures []string
	work := make(chan kind)
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			for k := range work {
				resp, err := client.Post("http://"+addr+"/?"+k.query(), "application/json", bytes.NewReader([]byte(k.body)))
				var got string
				status := 0
				if err == nil {
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					got, status = string(b), resp.StatusCode
				}
				mu.Lock()
				if err != nil || status != k.status || got != k.want {
					failures = append(failures, fmt.Sprintf("%s: %v %d %s", k.name, err, status, got))
				} else {
					answered[k.name]++
				}
				mu.Unlock()
			}
		})
	}
	for i := range total {
		work <- kinds[i%len(kinds)]
	}
	close(work)
	wg.Wait()
	require.Empty(t, failures)
	for _, k := range kinds {
		assert.Equal(t, total/len(kinds), answered[k.name], k.name)
	}
}
