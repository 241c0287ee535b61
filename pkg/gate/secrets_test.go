package gate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/testkit"
	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/webhook"
)

// secretsEnv is a signed deployment relaying to backend, whose own URL carries a token-like value.
func secretsEnv(backend string) func(string) string {
	env := map[string]string{"SUBGATE_SDKAPPID": testkit.AppID, "SUBGATE_TOKEN": testkit.SecretToken,
		"SUBGATE_FORWARD_URL": backend + "/cb?backend_key=" + testkit.TokenLikeInQS, "SUBGATE_POLICY": `deny: ["jared"]`}
	return func(k string) string { return env[k] }
}

// No query string that fails to parse puts the token, the request's Sign, a token-like value or
// the query itself into the log or the answer: not when the relay cannot even make its request, nor
// when the backend is sent it, nor when the gate decides the request itself.
func TestNoSecretInAnyErrorOfTheRelay(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","relayed":true}`)
	}))
	t.Cleanup(srv.Close)
	var logs bytes.Buffer
	g := gate.FromEnv(secretsEnv(srv.URL), &logs)
	require.NoError(t, g.Err())
	// What the log says of each relayed query: the backend is sent what parses (a # ends it), and a
	// request line with a space in it is refused by the backend's server.
	const cannotBeMade = "relay failed, answered OK instead: the request to relay cannot be made from its query string: net/url: invalid control character in URL"
	relayReason := map[string]string{"BadEscape": "", "EscapeCutShort": "", "Fragment": "",
		"ControlCharacter": cannotBeMade, "DEL": cannotBeMade, "LineBreak": cannotBeMade,
		"Space": "relay failed, answered OK instead: backend's answer (status 400) is not JSON"}
	sample := []byte(`{"CallbackCommand":"` + webhook.CommandBeforeAddSubscriber + `","Official_Account":"@TOA#_a","SubscribeAccountList":[{"Subscriber_Account":"jared"}]}`)
	for _, command := range []string{testkit.RelayedCommand, webhook.CommandBeforeAddSubscriber} {
		for _, q := range testkit.HostileQueries(command, time.Now()) {
			t.Run(command+"/"+q.Name, func(t *testing.T) {
				logs.Reset()
				body := []byte(`{"CallbackCommand":"` + command + `"}`)
				if command == webhook.CommandBeforeAddSubscriber {
					body = sample
				}
				resp := g.Serve(context.Background(), gate.Request{Method: http.MethodPost, Query: q.Values(), RawQuery: q.Raw,
					Header: http.Header{"Content-Type": {"application/json"}}, Body: body, RequestID: q.Name})
				assert.Equal(t, http.StatusOK, resp.StatusCode, "%s", resp.Body)
				require.NotEmpty(t, logs.String())
				testkit.NoSecret(t, "the log", logs.String(), q)
				testkit.NoSecret(t, "the answer", string(resp.Body), q)
				var line struct{ Reason string }
				require.NoError(t, json.Unmarshal(logs.Bytes(), &line))
				if command == testkit.RelayedCommand {
					assert.Equal(t, relayReason[q.Name], line.Reason)
				}
			})
		}
	}
}
