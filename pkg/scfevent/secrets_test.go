package scfevent

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/testkit"
	"github.com/subgate/subgate/pkg/webhook"
)

// No query string or path that fails to parse puts the token, the request's Sign, a token-like
// value or the query itself into the log or the answer, in an API Gateway or a Function URL event,
// relayed to a backend or decided.
func TestNoSecretInAnyError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`)
	}))
	t.Cleanup(srv.Close)
	env := map[string]string{"SUBGATE_SDKAPPID": testkit.AppID, "SUBGATE_TOKEN": testkit.SecretToken,
		"SUBGATE_FORWARD_URL": srv.URL + "/cb?backend_key=" + testkit.TokenLikeInQS, "SUBGATE_POLICY": `deny: ["jared"]`}
	h, logs := newTestHandler(func(k string) string { return env[k] })
	require.NoError(t, h.Gate().Err())
	for _, command := range []string{testkit.RelayedCommand, webhook.CommandBeforeAddSubscriber} {
		for _, q := range testkit.HostileQueries(command, time.Now()) {
			query := map[string]any{}
			for k, v := range q.Values() {
				query[k] = v
			}
			// The path as the client sent it: a gateway passes it on undecoded.
			path := "/cb/%zz/" + testkit.TokenLikeInQS + "\x01?" + q.Raw
			body := `{"CallbackCommand":"` + command + `","Official_Account":"@TOA#_a","SubscribeAccountList":[{"Subscriber_Account":"jared"}]}`
			events := map[string][]byte{
				"APIGateway": mustJSON(map[string]any{"requestContext": map[string]any{"httpMethod": "POST", "requestId": "apigw-1", "path": path},
					"httpMethod": "POST", "path": path, "queryString": query, "body": body}),
				"FunctionURL": mustJSON(map[string]any{"httpMethod": "POST", "path": path, "queryString": query, "body": body}),
			}
			for kind, event := range events {
				t.Run(command+"/"+q.Name+"/"+kind, func(t *testing.T) {
					before := len(logs.String())
					answer, err := h.Invoke(invocationContext("secrets-1"), event)
					require.NoError(t, err)
					require.Contains(t, string(answer), `\"ActionStatus\":\"OK\"`)
					require.Greater(t, len(logs.String()), before, "a log line")
					testkit.NoSecret(t, "the log", logs.String()[before:], q)
					testkit.NoSecret(t, "the answer", string(answer), q)
				})
			}
		}
	}
}
