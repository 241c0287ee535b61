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
// was not asked for, never letting a denied subscriber or member through. groups says whether the
// gate's policy decides the group commands.
func checkAnswer(t *testing.T, g *Gate, groups bool, req Request, resp Response) {
	t.Helper()
	if !slices.Contains(documentedStatus, resp.StatusCode) {
		t.Fatalf("status %d is not documented", resp.StatusCode)
	}
	if resp.StatusCode == 500 {
		t.Fatalf("internal fault: %s", resp.Body)
	}
	var answer struct {
		ActionStatus   *string  `json:"ActionStatus"`
		ErrorCode      *int     `json:"ErrorCode"`
		ErrorInfo      *string  `json:"ErrorInfo"`
		Refused        []string `json:"RefusedSubscribers_Account"`
		RefusedMembers []string `json:"RefusedMembers_Account"`
	}
	if err := json.Unmarshal(resp.Body, &answer); err != nil || answer.ActionStatus == nil || answer.ErrorCode == nil || answer.ErrorInfo == nil {
		t.Fatalf("answer is not a webhook answer: %s", resp.Body)
	}
	if strings.HasPrefix(*answer.ErrorInfo, "subgate cannot decide: ") {
		t.Fatalf("a working gate could not decide (an internal fault): %s", resp.Body)
	}
	command, _ := webhook.Single(req.Query, webhook.ParamCallbackCommand)
	if len(answer.Refused) > 0 && command != webhook.CommandBeforeAddSubscriber || len(answer.RefusedMembers) > 0 && command != webhook.CommandBeforeInviteJoinGroup {
		t.Fatalf("a refused list for %q: %s", command, resp.Body)
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
	denied := func(id string) bool { return id == "jared" || id == "" }
	switch command {
	case webhook.CommandBeforeAddSubscriber:
		if len(answer.Refused) == 0 && *answer.ErrorCode != 0 {
			return
		}
		body, err := webhook.ParseAddSubscriber(req.Body)
		if err != nil {
			t.Fatalf("OK for a body that does not parse (%v)", err)
		}
		checkRefused(t, answer.Refused, body.Subscribers, *answer.ErrorCode, denied)
	case webhook.CommandBeforeInviteJoinGroup:
		if !groups || *answer.ErrorCode != 0 {
			return
		}
		body, err := webhook.ParseInviteJoinGroup(req.Body)
		if err != nil {
			t.Fatalf("OK for a body that does not parse (%v)", err)
		}
		if body.Group != shadowGroup {
			checkRefused(t, answer.RefusedMembers, body.Members, *answer.ErrorCode, denied)
		}
	case webhook.CommandBeforeApplyJoinGroup:
		if !groups || *answer.ErrorCode != 0 {
			return
		}
		body, err := webhook.ParseApplyJoinGroup(req.Body)
		if err != nil {
			t.Fatalf("OK for a body that does not parse (%v)", err)
		}
		if denied(body.Requestor) && body.Group != shadowGroup {
			t.Fatalf("let denied applicant %q in", body.Requestor)
		}
	}
}

// shadowGroup is the group the fuzz target's policy decides in shadow mode: it lets everyone in.
const shadowGroup = "@TGS#_shadow"

// checkRefused checks a refused list against the request's users: each was asked for, each is
// listed once, and, when the request goes on (code 0), each denied user is listed.
func checkRefused(t *testing.T, refused, users []string, code int, denied func(string) bool) {
	t.Helper()
	for i, id := range refused {
		if !slices.Contains(users, id) {
			t.Fatalf("refused %q, which the request did not hold", id)
		}
		if slices.Contains(refused[i+1:], id) {
			t.Fatalf("refused %q twice", id)
		}
	}
	for _, id := range users {
		if denied(id) && code == 0 && !slices.Contains(refused, id) {
			t.Fatalf("let denied user %q through", id)
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
	invite := "SdkAppid=" + appID + "&CallbackCommand=" + webhook.CommandBeforeInviteJoinGroup + "&RequestTime=" + rt + "&Sign=" + sign
	apply := "SdkAppid=" + appID + "&CallbackCommand=" + webhook.CommandBeforeApplyJoinGroup + "&RequestTime=" + rt + "&Sign=" + sign
	f.Add("POST", invite, []byte(`{"CallbackCommand":"Group.CallbackBeforeInviteJoinGroup","GroupId":"@TGS#2J4SZEAEL","Type":"Public","Operator_Account":"leckie","DestinationMembers":[{"Member_Account":"jared"},{"Member_Account":"leckie"}],"EventTime":"1670574414123"}`))
	f.Add("POST", invite, []byte(`{"GroupId":"@TGS#_shut","DestinationMembers":[{},{"Member_Account":"jared"},{"Member_Account":"jared"}],"EventTime":1}`))
	f.Add("POST", invite, []byte(`{"GroupId":"g","DestinationMembers":[{"Member_Account":"jared","member_Account":"x"}]}`))
	f.Add("POST", apply, []byte(`{"CallbackCommand":"Group.CallbackBeforeApplyJoinGroup","GroupId":"@TGS#2J4SZEAEL","Type":"Public","Requestor_Account":"jared","EventTime":"1670574414123"}`))
	f.Add("POST", apply, []byte(`{"GroupId":"@TGS#_shadow","Requestor_Account":""}`))
	f.Add("POST", apply, []byte(`{"CallbackCommand":"Group.CallbackBeforeInviteJoinGroup","GroupId":"g","Requestor_Account":"a"}`))
	policies := map[bool]string{
		false: `deny: ["jared"]`,
		true:  "deny: [\"jared\"]\ngroups:\n  \"@TGS#_shut\": {closed: true}\n  \"" + shadowGroup + "\": {mode: shadow}\n",
	}
	f.Fuzz(func(t *testing.T, method, rawQuery string, body []byte) {
		query, err := url.ParseQuery(rawQuery)
		if err != nil {
			return
		}
		for _, signed := range []bool{false, true} {
			for _, groups := range []bool{false, true} {
				cfg := config.Config{SdkAppID: appID}
				if signed {
					cfg.Token = token
				}
				g := New(cfg, testPolicy(t, policies[groups]), NewLogger(io.Discard, slog.LevelError)).WithClock(func() time.Time { return time.Unix(1700000000, 0) })
				req := Request{Method: method, Query: query, RawQuery: rawQuery, Body: body}
				checkAnswer(t, g, groups, req, g.Serve(context.Background(), req))
			}
		}
	})
}
