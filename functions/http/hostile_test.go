package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/httpserver"

	"github.com/subgate/subgate/internal/syncbuf"
)

// TestServerRecoversPanics serves a gate with no policy, so that deciding a subscription panics
// in the core, with the server this command runs: the request is answered by the fail mode (closed,
// the default: rejected), the fault is logged once with its stack, and the server goes on answering.
func TestServerRecoversPanics(t *testing.T) {
	sample, err := os.ReadFile("../../deploy/sample-request.json")
	require.NoError(t, err)
	logs := &syncbuf.Buffer{}
	logger := gate.NewLogger(logs, 0)
	g := gate.New(config.Config{SdkAppID: "1400000001"}, nil, logger)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- httpserver.Run(ctx, ln, g, logger) }()
	t.Cleanup(func() {
		stop()
		assert.NoError(t, <-done)
	})
	base := "http://" + ln.Addr().String() + "/"

	const undecided = `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"subgate cannot decide: internal error; see its log"}`
	status, body := post(t, base+sampleQuery, sample)
	assert.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, undecided, body)

	faults := 0
	for line := range strings.Lines(logs.String()) {
		var entry map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &entry), line)
		if entry["msg"] == "internal fault" {
			faults++
			assert.Contains(t, entry["stack"], "goroutine ")
		}
	}
	assert.Equal(t, 1, faults, "the fault is logged once, with its stack:\n%s", logs.String())

	// The server keeps serving: the next request, on a command that needs no policy, is answered.
	status, body = post(t, base+"?SdkAppid=1400000001&CallbackCommand=Group.CallbackAfterSendMsg", []byte(`{}`))
	assert.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`, body)
	status, body = post(t, base+sampleQuery, sample)
	assert.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, undecided, body, "and faults again the same way")
}
