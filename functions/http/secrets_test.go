package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/testkit"
	"github.com/subgate/subgate/pkg/webhook"
)

// No request line that fails to parse (its query string or its path) puts the token, the
// request's Sign, a token-like value or the query itself into the server's output (its log lines
// and anything net/http writes) or its answer, relayed to a backend or decided. Each request goes
// over a raw connection, as a client that does not check its URL sends it.
func TestNoSecretInAnyError(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`)
	}))
	t.Cleanup(backend.Close)
	s := start(t, buildServer(t), "SUBGATE_SDKAPPID="+testkit.AppID, "SUBGATE_TOKEN="+testkit.SecretToken,
		"SUBGATE_FORWARD_URL="+backend.URL+"/cb?backend_key="+testkit.TokenLikeInQS, `SUBGATE_POLICY=deny: ["jared"]`)
	var queries []testkit.HostileQuery
	for _, command := range []string{testkit.RelayedCommand, webhook.CommandBeforeAddSubscriber} {
		body := `{"CallbackCommand":"` + command + `","Official_Account":"@TOA#_a","SubscribeAccountList":[{"Subscriber_Account":"jared"}]}`
		for _, q := range testkit.HostileQueries(command, time.Now()) {
			queries = append(queries, q)
			for _, path := range []string{"/", "/cb/%zz/", "/cb/" + testkit.TokenLikeInQS + "\x01/"} {
				t.Run(command+"/"+q.Name+"/"+strconv.Quote(path), func(t *testing.T) {
					answer := rawPost(t, s.addr, path+"?"+q.Raw, body)
					assert.True(t, strings.HasPrefix(answer, "HTTP/1.1 "), answer)
					testkit.NoSecret(t, "the answer", answer, q)
				})
			}
		}
	}
	// Every line is written once the server has stopped.
	require.NoError(t, s.Signal(syscall.SIGTERM))
	require.NoError(t, s.Wait(patience))
	output := s.Output.String()
	assert.Contains(t, output, `"msg":"relayed"`, "the requests were answered, not only refused by net/http")
	assert.Contains(t, output, `"msg":"decided"`)
	for _, q := range queries {
		testkit.NoSecret(t, "the server's output", output, q)
	}
}

// rawPost sends a POST of body to target (a request URI, sent as it is) on a connection of its
// own, and returns the whole answer.
func rawPost(t *testing.T, addr, target, body string) string {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(patience)))
	_, err = io.WriteString(conn, "POST "+target+" HTTP/1.1\r\nHost: subgate\r\nContent-Type: application/json\r\n"+
		"Content-Length: "+strconv.Itoa(len(body))+"\r\nConnection: close\r\n\r\n"+body)
	require.NoError(t, err)
	answer, err := io.ReadAll(bufio.NewReader(conn))
	require.NoError(t, err)
	return string(answer)
}
