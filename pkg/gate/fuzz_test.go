package gate

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/webhook"
)

// documentedStatus lists the statuses docs/answers.md's table names.
var documentedStatus = []int{200, 400, 401, 403, 405, 413, 500}

// checkAnswer asserts what holds for every answer to any request: well-formed, documented, and
// never OK for a request that fails the SdkAppid or signature check, never refusing an ID that
// was not asked for, never letting a denied subscriber through.
func checkAnswer(t *testing.T, g *Gate, req Request, resp Response) {
	t.Helper()
	if !slices.Contains(documentedStatus, resp.StatusCode) {
		t.Fatalf("status %d is not documented", resp.StatusCode)
	}
	if resp.StatusCode == 500 {
		t.Fatalf("internal fault: %s", resp.Body)
	}
	var answer struct {
		ActionStatus *string  `json:"ActionStatus"`
		ErrorCode    *int     `json:"ErrorCode"`
		ErrorInfo    *string  `json:"ErrorInfo"`
		Refused      []string `json:"RefusedSubscribers_Account"`
	}
	if err := json.Unmarshal(resp.Body, &answer); err != nil || answer.ActionStatus == nil || answer.ErrorCode == nil || answer.ErrorInfo == nil {
		t.Fatalf("answer is not a webhook answer: %s", resp.Body)
	}
	if strings.HasPrefix(*answer.ErrorInfo, "subgate cannot decide: ") {
		t.Fatalf("a working gate could not decide (an internal fault): %s", resp.Body)
	}
	if *answer.ActionStatus != webhook.StatusOK {
		return
	}
	if appID, ok := webhook.Single(req.Query, webhook.ParamSdkAppid); !ok || appID != g.sdkAppID {
		t.Fatalf("OK for a request without this SdkAppid: %v", req.Query)
	}
	if g.verifier != nil {
		if err := g.verifier.Verify(req.Query); err != nil {
			t.Fatalf("OK for a request whose signature fails (%v)", err)
		}
	}
	if len(answer.Refused) == 0 && *answer.ErrorCode != 0 {
		return
	}
	command, _ := webhook.Single(req.Query, webhook.ParamCallbackCommand)
	if command != webhook.CommandBeforeAddSubscriber {
		return
	}
	body, err := webhook.ParseAddSubscriber(req.Body)
	if err != nil {
		t.Fatalf("OK for a body that does not parse (%v)", err)
	}
	for i, id := range answer.Refused {
		if !slices.Contains(body.Subscribers, id) {
			t.Fatalf("refused %q, which the request did not hold", id)
		}
		if slices.Contains(answer.Refused[i+1:], id) {
			t.Fatalf("refused %q twice", id)
		}
	}
	for _, id := range body.Subscribers {
		if (id == "jared" || id == "") && *answer.ErrorCode == 0 && !slices.Contains(answer.Refused, id) {
			t.Fatalf("let denied subscriber %q through", id)
		}
	}
}

func FuzzServe(f *testing.F) {
	rt := "1700000000"
	sign := webhook.Sign(token, rt)
	good := "SdkAppid=" + appID + "&CallbackCommand=" + webhook.CommandBeforeAddSubscriber + "&RequestTime=" + rt + "&Sign=" + sign
	sample := `{"CallbackCommand":"OfficialAccount.CallbackBeforeAddSubscriber","Official_Account":"@TOA#_test_for_penn","Operator_Account":"107867","SubscribeAccountList":[{"Subscriber_Account":"jared"},{"Subscriber_Account":"leckie"}],"EventTime":1670574414123}`
	f.Add("POST", good, []byte(sample))
	f.Add("POST", good+"&SdkAppid=1", []byte(sample))
	f.Add("POST", good, []byte(`{"Official_Account":"@TOA#_a","SubscribeAccountList":[{"Subscriber_Account":"jared","subscriber_account":"x"}]}`))
	f.Add("POST", good, []byte(`{"Official_Account":"@TOA#_a","SubscribeAccountList":[{},{"Subscriber_Account":""},{"Subscriber_Account":"jared"}]}`))
	f.Add("POST", "SdkAppid="+appID+"&CallbackCommand=Group.CallbackBeforeSendMsg&RequestTime="+rt+"&Sign="+sign, []byte(`x`))
	f.Add("GET", good, []byte(nil))
	f.Add("POST", "SdkAppid="+appID+"&CallbackCommand="+webhook.CommandBeforeAddSubscriber, []byte(sample))
	f.Add("POST", good, []byte("\xef\xbb\xbf"+sample))
	f.Add("POST", good, []byte(sample+sample))
	f.Fuzz(func(t *testing.T, method, rawQuery string, body []byte) {
		query, err := url.ParseQuery(rawQuery)
		if err != nil {
			return
		}
		for _, signed := range []bool{false, true} {
			cfg := config.Config{SdkAppID: appID}
			if signed {
				cfg.Token = token
			}
			p := testPolicy(t, `deny: ["jared"]`)
			g := New(cfg, p, NewLogger(io.Discard, slog.LevelError)).WithClock(func() time.Time { return time.Unix(1700000000, 0) })
			req := Request{Method: method, Query: query, RawQuery: rawQuery, Body: body}
			checkAnswer(t, g, req, g.Serve(context.Background(), req))
		}
	})
}
