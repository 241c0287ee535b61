package lambdaevent

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/testkit"
	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/webhook"
)

// No query string or path that fails to parse puts the token, the request's Sign, a token-like
// value or the query itself into the log or the answer, in any of the HTTP events, relayed to a
// backend or decided. Function URLs and HTTP APIs give the query string raw (rawQueryString), as
// the relay sends it on; REST APIs give it decoded; ALBs give its pairs undecoded.
func TestNoSecretInAnyError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`)
	}))
	t.Cleanup(srv.Close)
	var logs bytes.Buffer
	g := gate.FromEnv(func(k string) string {
		return map[string]string{"SUBGATE_SDKAPPID": testkit.AppID, "SUBGATE_TOKEN": testkit.SecretToken,
			"SUBGATE_FORWARD_URL": srv.URL + "/cb?backend_key=" + testkit.TokenLikeInQS, "SUBGATE_POLICY": `deny: ["jared"]`}[k]
	}, &logs)
	require.NoError(t, g.Err())
	for _, command := range []string{testkit.RelayedCommand, webhook.CommandBeforeAddSubscriber} {
		body := `{"CallbackCommand":"` + command + `","Official_Account":"@TOA#_a","SubscribeAccountList":[{"Subscriber_Account":"jared"}]}`
		for _, q := range testkit.HostileQueries(command, time.Now()) {
			path := "/cb/%zz/" + testkit.TokenLikeInQS + "\x01"
			decoded := map[string]string{}
			for k, v := range q.Values() {
				decoded[k] = v[0]
			}
			raw := map[string][]string{} // the pairs as the client sent them
			for _, pair := range strings.Split(q.Raw, "&") {
				k, v, _ := strings.Cut(pair, "=")
				raw[k] = append(raw[k], v)
			}
			url := events.LambdaFunctionURLRequest{Version: "2.0", RawPath: path, RawQueryString: q.Raw, Body: body}
			url.RequestContext.DomainName = "abcdefghij.lambda-url.us-east-1.on.aws"
			url.RequestContext.HTTP.Method, url.RequestContext.HTTP.Path = http.MethodPost, path
			api := events.APIGatewayV2HTTPRequest{Version: "2.0", RawPath: path, RawQueryString: q.Raw, Body: body}
			api.RequestContext.DomainName = "abcdefghij.execute-api.us-east-1.amazonaws.com"
			api.RequestContext.HTTP.Method, api.RequestContext.HTTP.Path = http.MethodPost, path
			rest := events.APIGatewayProxyRequest{HTTPMethod: http.MethodPost, Path: path, QueryStringParameters: decoded, Body: body}
			rest.RequestContext.Path = path
			alb := events.ALBTargetGroupRequest{HTTPMethod: http.MethodPost, Path: path, MultiValueQueryStringParameters: raw, Body: body}
			alb.RequestContext.ELB.TargetGroupArn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/subgate/0123456789abcdef"
			for kind, event := range map[string]any{"FunctionURL": url, "HTTPAPI": api, "RESTAPI": rest, "ALB": alb} {
				t.Run(command+"/"+q.Name+"/"+kind, func(t *testing.T) {
					payload, err := json.Marshal(event)
					require.NoError(t, err)
					logs.Reset()
					answer := invoke(t, g, payload)
					assert.Contains(t, answer, `\"ActionStatus\":\"OK\"`)
					require.NotEmpty(t, logs.String(), "a log line")
					testkit.NoSecret(t, "the log", logs.String(), q)
					testkit.NoSecret(t, "the answer", answer, q)
				})
			}
		}
	}
}
