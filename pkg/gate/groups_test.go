package gate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/syncbuf"
	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/metrics"
	"github.com/subgate/subgate/pkg/source"
	"github.com/subgate/subgate/pkg/webhook"
)

// groupsPolicy decides the group webhooks: the documented samples' group by the top-level rules,
// and a closed group, an allow-listed one and one in shadow mode.
const groupsPolicy = `
deny: ["jared", "bot_*"]
max_subscribers: 1
max_members: 3
trusted_operators: [admin]
groups:
  "@TGS#_closed":
    closed: true
    reason: "the team is full"
  "@TGS#_vip":
    allow: ["vip_*"]
  "@TGS#_beta":
    mode: shadow
`

// The documented sample bodies (Tencent's, EventTime quoted).
func groupInvite(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/group-invite.json")
	require.NoError(t, err)
	return data
}

func groupApply(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/group-apply.json")
	require.NoError(t, err)
	return data
}

// inviteBody is an invitation by operator of members into group.
func inviteBody(group, operator string, members ...string) []byte {
	list := make([]map[string]string, len(members))
	for i, m := range members {
		list[i] = map[string]string{"Member_Account": m}
	}
	b, _ := json.Marshal(map[string]any{"CallbackCommand": webhook.CommandBeforeInviteJoinGroup, "GroupId": group, "Type": "Public",
		"Operator_Account": operator, "DestinationMembers": list, "EventTime": "1670574414123"})
	return b
}

// applyBody is requestor's application to join group.
func applyBody(group, requestor string) []byte {
	b, _ := json.Marshal(map[string]any{"CallbackCommand": webhook.CommandBeforeApplyJoinGroup, "GroupId": group, "Type": "Public",
		"Requestor_Account": requestor, "EventTime": 1670574414123})
	return b
}

func groupsGate(t *testing.T, policyText string, cfg config.Config, logs io.Writer) *Gate {
	t.Helper()
	cfg.SdkAppID = appID
	return New(cfg, testPolicy(t, policyText), NewLogger(logs, slog.LevelInfo)).WithClock(func() time.Time { return now })
}

func TestServeGroups(t *testing.T) {
	invite, apply := webhook.CommandBeforeInviteJoinGroup, webhook.CommandBeforeApplyJoinGroup
	tests := []struct {
		name    string
		command string
		body    []byte
		status  int
		want    string
	}{
		{name: "InviteSample", command: invite, body: groupInvite(t),
			status: 200, want: `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedMembers_Account":["jared"]}`},
		{name: "ApplySample", command: apply, body: groupApply(t),
			status: 200, want: `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"the request to join this group is refused"}`},
		{name: "ApplyAllowed", command: apply, body: applyBody("@TGS#2J4SZEAEL", "leckie"), status: 200, want: `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`},
		{name: "ApplyEmptyRequestor", command: apply, body: applyBody("@TGS#2J4SZEAEL", ""),
			status: 200, want: `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"the request to join this group is refused"}`},
		{name: "InviteNobodyRefused", command: invite, body: inviteBody("@TGS#x", "leckie", "a", "b"), status: 200, want: `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`},
		{name: "InviteEachRefusedOnceInOrder", command: invite, body: inviteBody("@TGS#x", "leckie", "bot_1", "", "bot_1"),
			status: 200, want: `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedMembers_Account":["bot_1",""]}`},
		{name: "InviteAllowList", command: invite, body: inviteBody("@TGS#_vip", "leckie", "vip_1", "bob"),
			status: 200, want: `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedMembers_Account":["bob"]}`},
		{name: "InviteClosed", command: invite, body: inviteBody("@TGS#_closed", "leckie", "a"), status: 200, want: `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"the team is full"}`},
		{name: "ApplyClosed", command: apply, body: applyBody("@TGS#_closed", "a"), status: 200, want: `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"the team is full"}`},
		{name: "InviteTrustedOperator", command: invite, body: inviteBody("@TGS#_closed", "admin", "jared"), status: 200, want: `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`},
		{name: "ApplyTrustedIDIsAnApplicant", command: apply, body: applyBody("@TGS#_closed", "admin"),
			status: 200, want: `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"the team is full"}`},
		{name: "InviteOverMaxMembers", command: invite, body: inviteBody("@TGS#x", "leckie", "a", "b", "c", "d"),
			status: 200, want: `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"request has 4 members; this app accepts at most 3 per request"}`},
		{name: "InviteMaxSubscribersDoesNotApply", command: invite, body: inviteBody("@TGS#x", "leckie", "a", "b", "c"),
			status: 200, want: `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`},
		{name: "InviteShadow", command: invite, body: inviteBody("@TGS#_beta", "leckie", "jared"), status: 200, want: `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`},
		{name: "ApplyShadow", command: apply, body: applyBody("@TGS#_beta", "jared"), status: 200, want: `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`},
		// The body is read as strictly as a subscriber's.
		{name: "InviteMissingMembers", command: invite, body: []byte(`{"GroupId":"g"}`),
			status: 400, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"bad request body: DestinationMembers is missing"}`},
		{name: "ApplyMissingRequestor", command: apply, body: []byte(`{"GroupId":"g"}`),
			status: 400, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"bad request body: Requestor_Account is missing"}`},
		{name: "ApplyBadEventTime", command: apply, body: []byte(`{"GroupId":"g","Requestor_Account":"a","EventTime":"soon"}`),
			status: 400, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"bad request body: EventTime must be a number or a string of digits, not a JSON string of other characters"}`},
		{name: "InviteDuplicateKey", command: invite, body: []byte(`{"GroupId":"g","DestinationMembers":[{"Member_Account":"jared","member_account":"x"}]}`),
			status: 400, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"bad request body: an object has the same key twice"}`},
		{name: "InviteBodyOfAnApplication", command: invite, body: applyBody("@TGS#x", "a"),
			status: 400, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"bad request body: DestinationMembers is missing"}`},
		{name: "ApplyBodyNamesAnotherCommand", command: apply, body: []byte(`{"CallbackCommand":"Group.CallbackBeforeInviteJoinGroup","GroupId":"g","Requestor_Account":"a"}`),
			status: 400, want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"the body's CallbackCommand Group.CallbackBeforeInviteJoinGroup differs from the query's"}`},
	}
	g := groupsGate(t, groupsPolicy, config.Config{}, io.Discard)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := g.Serve(context.Background(), Request{Method: "POST", Query: query(tt.command), Body: tt.body})
			assert.Equal(t, tt.status, resp.StatusCode)
			assert.Equal(t, tt.want, string(resp.Body))
			if tt.status == 200 {
				assert.Equal(t, tt.want, string(g.ServeDirect(context.Background(), tt.body, "")), "a console test gets the same answer")
			}
		})
	}
}

// A policy without a groups key decides no group request: they go on (or are relayed) exactly as
// before, whatever their body, and the policy's deny lists do not reach them.
func TestGroupsNotDecidedWithoutTheKey(t *testing.T) {
	var logs bytes.Buffer
	g := groupsGate(t, `deny: ["jared"]`, config.Config{}, &logs)
	for _, tt := range []struct {
		command string
		body    []byte
	}{
		{webhook.CommandBeforeInviteJoinGroup, groupInvite(t)},
		{webhook.CommandBeforeApplyJoinGroup, groupApply(t)},
		{webhook.CommandBeforeApplyJoinGroup, []byte(`not even JSON`)},
	} {
		resp := g.Serve(context.Background(), Request{Method: "POST", Query: query(tt.command), Body: tt.body})
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`, string(resp.Body))
		if json.Valid(tt.body) {
			assert.Equal(t, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`, string(g.ServeDirect(context.Background(), tt.body, "")))
		}
	}
	for _, line := range logLines(t, logs.String()) {
		assert.Equal(t, "other", line["outcome"])
		assert.Contains(t, line, "official_account", "the line of another command, as before")
		assert.NotContains(t, line, "group_id")
	}

	// Relayed with a forward URL, as any command subgate does not decide.
	srv, got := backend(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"the app says no"}`)
	})
	relay := relayGate(t, srv.URL, time.Second, false, io.Discard)
	resp := relay.Serve(context.Background(), Request{Method: "POST", Query: query(webhook.CommandBeforeInviteJoinGroup), Body: groupInvite(t)})
	assert.Equal(t, `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"the app says no"}`, string(resp.Body))
	assert.Equal(t, string(groupInvite(t)), string((<-got).body))
}

// A group request subgate decides is never relayed.
func TestDecidedGroupsAreNotRelayed(t *testing.T) {
	srv, got := backend(t, func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, `{}`) })
	g := relayGate(t, srv.URL, time.Second, false, io.Discard)
	g.source = testSource(t, "deny: [jared]\ngroups: {}\n")
	resp := g.Serve(context.Background(), Request{Method: "POST", Query: query(webhook.CommandBeforeInviteJoinGroup), Body: groupInvite(t)})
	assert.Equal(t, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedMembers_Account":["jared"]}`, string(resp.Body))
	assert.Empty(t, got)
}

// The checks before the body's come first, in their order, for the group commands too.
func TestGroupChecksInOrder(t *testing.T) {
	g := groupsGate(t, groupsPolicy, config.Config{Token: token, MaxSkew: webhook.DefaultMaxSkew}, io.Discard)
	tests := []struct {
		name   string
		req    Request
		status int
	}{
		{"Method", Request{Method: "GET", Query: query(webhook.CommandBeforeInviteJoinGroup), Body: groupInvite(t)}, 405},
		{"AppID", Request{Method: "POST", Query: query(webhook.CommandBeforeInviteJoinGroup, "SdkAppid", "1"), Body: groupInvite(t)}, 403},
		{"Unsigned", Request{Method: "POST", Query: query(webhook.CommandBeforeInviteJoinGroup), Body: groupInvite(t)}, 401},
		{"TooLarge", Request{Method: "POST", Query: signedGroupQuery(webhook.CommandBeforeApplyJoinGroup), Body: make([]byte, MaxBodyBytes+1)}, 413},
		{"Signed", Request{Method: "POST", Query: signedGroupQuery(webhook.CommandBeforeApplyJoinGroup), Body: groupApply(t)}, 200},
	}
	for _, tt := range tests {
		resp := g.Serve(context.Background(), tt.req)
		assert.Equal(t, tt.status, resp.StatusCode, tt.name)
	}
}

func signedGroupQuery(command string) map[string][]string {
	q := signedQuery(now)
	q.Set(webhook.ParamCallbackCommand, command)
	return q
}

// The log line of a group request names the group, its type, the operator or the applicant, the
// count of members and each refused member with its rule; user IDs follow SUBGATE_LOG_IDS.
func TestGroupLogLines(t *testing.T) {
	serve := func(t *testing.T, cfg config.Config, command string, body []byte) map[string]any {
		t.Helper()
		var logs bytes.Buffer
		g := groupsGate(t, groupsPolicy, cfg, &logs)
		g.Serve(context.Background(), Request{Method: "POST", Query: query(command), Body: body, RequestID: "req-1"})
		lines := logLines(t, logs.String())
		require.Len(t, lines, 1)
		line := lines[0]
		for _, field := range []string{"time", "duration_ms", "level", "msg", "request_id", "sdkappid", "status", "policy"} {
			assert.Contains(t, line, field)
			delete(line, field)
		}
		return line
	}
	assert.Equal(t, map[string]any{"command": webhook.CommandBeforeInviteJoinGroup, "group_id": "@TGS#2J4SZEAEL", "group_type": "Public",
		"operator_account": "leckie", "members": 2.0, "refused": 1.0, "error_code": 0.0, "outcome": "refused",
		"refused_by": []any{map[string]any{"id": "jared", "rule": `deny "jared"`}}},
		serve(t, config.Config{}, webhook.CommandBeforeInviteJoinGroup, groupInvite(t)))
	assert.Equal(t, map[string]any{"command": webhook.CommandBeforeApplyJoinGroup, "group_id": "@TGS#2J4SZEAEL", "group_type": "Public",
		"requestor_account": "jared", "members": 1.0, "refused": 0.0, "error_code": 1.0, "outcome": "rejected",
		"reason": "the request to join this group is refused", "refused_by": []any{map[string]any{"id": "jared", "rule": `deny "jared"`}}},
		serve(t, config.Config{}, webhook.CommandBeforeApplyJoinGroup, groupApply(t)))
	assert.Equal(t, map[string]any{"command": webhook.CommandBeforeApplyJoinGroup, "group_id": "@TGS#2J4SZEAEL", "group_type": "Public",
		"members": 1.0, "refused": 0.0, "error_code": 1.0, "outcome": "rejected",
		"reason": "the request to join this group is refused", "refused_by": []any{map[string]any{"rule": `deny (an exact ID)`}}},
		serve(t, config.Config{OmitLogIDs: true}, webhook.CommandBeforeApplyJoinGroup, groupApply(t)), "SUBGATE_LOG_IDS=false: no user ID")
	assert.Equal(t, map[string]any{"command": webhook.CommandBeforeInviteJoinGroup, "group_id": "@TGS#_closed", "group_type": "Public",
		"members": 1.0, "refused": 0.0, "error_code": 1.0, "outcome": "rejected", "reason": "the team is full", "rule": "closed group"},
		serve(t, config.Config{OmitLogIDs: true}, webhook.CommandBeforeInviteJoinGroup, inviteBody("@TGS#_closed", "leckie", "a")))
	assert.Equal(t, map[string]any{"command": webhook.CommandBeforeInviteJoinGroup, "group_id": "@TGS#_beta", "group_type": "Public",
		"operator_account": "leckie", "members": 2.0, "refused": 0.0, "error_code": 0.0, "outcome": "allowed",
		"mode": "shadow", "would_refuse": 1.0, "would_refuse_by": []any{map[string]any{"id": "bot_1", "rule": `deny "bot_*"`}}},
		serve(t, config.Config{}, webhook.CommandBeforeInviteJoinGroup, inviteBody("@TGS#_beta", "leckie", "bot_1", "a")))
	assert.Equal(t, map[string]any{"command": webhook.CommandBeforeApplyJoinGroup, "group_id": "", "group_type": "", "requestor_account": "",
		"members": 0.0, "refused": 0.0, "error_code": 1.0, "outcome": "invalid", "reason": "bad request body: GroupId is missing"},
		serve(t, config.Config{}, webhook.CommandBeforeApplyJoinGroup, []byte(`{}`)))
}

// The metrics count the refused members, and shadow mode's would-be refusals, as they count
// subscribers.
func TestGroupMetrics(t *testing.T) {
	var records []metrics.Record
	g := groupsGate(t, groupsPolicy, config.Config{}, io.Discard)
	g.metrics = recorder(func(r metrics.Record) { records = append(records, r) })
	g.Serve(context.Background(), Request{Method: "POST", Query: query(webhook.CommandBeforeInviteJoinGroup), Body: inviteBody("@TGS#x", "op", "jared", "bot_2", "a")})
	g.Serve(context.Background(), Request{Method: "POST", Query: query(webhook.CommandBeforeApplyJoinGroup), Body: applyBody("@TGS#_beta", "jared")})
	require.Len(t, records, 2)
	assert.Equal(t, metrics.Refused, records[0].Outcome)
	assert.Equal(t, 2, records[0].Refused)
	assert.Equal(t, metrics.Allowed, records[1].Outcome)
	assert.True(t, records[1].Shadow)
	assert.Equal(t, 1, records[1].WouldRefuse)
}

// Under a configuration error, and with no policy yet, subgate cannot know whether the policy would
// decide the group requests: they get the fail mode's answer, and a group line.
func TestGroupsUndecided(t *testing.T) {
	const cause = "invalid configuration: SUBGATE_SDKAPPID is not set: set it to your app's SDKAppID (digits, from the Chat console)"
	for _, mode := range []string{config.FailClosed, config.FailOpen} {
		t.Run(mode, func(t *testing.T) {
			var logs bytes.Buffer
			g := FromEnv(func(k string) string { return map[string]string{config.EnvFailMode: mode}[k] }, &logs)
			require.Error(t, g.Err())
			resp := g.Serve(context.Background(), Request{Method: "POST", Query: query(webhook.CommandBeforeInviteJoinGroup), Body: groupInvite(t)})
			assert.Equal(t, 200, resp.StatusCode)
			assert.Equal(t, undecidedAnswer(mode, cause), string(resp.Body))
			assert.Equal(t, undecidedAnswer(mode, cause), string(g.ServeDirect(context.Background(), groupApply(t), "")))
			lines := logLines(t, logs.String())
			require.Len(t, lines, 3)
			for _, line := range lines[1:] {
				assert.Equal(t, "undecided", line["msg"])
				assert.Equal(t, mode, line["fail_mode"])
				assert.Contains(t, line, "group_id")
				assert.NotContains(t, line, "official_account")
			}
		})
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := ln.Addr().String()
	require.NoError(t, ln.Close())
	var logs syncbuf.Buffer
	g := FromEnv(func(k string) string {
		return map[string]string{config.EnvSdkAppID: appID, config.EnvPolicyURL: "http://" + closed + "/policy.bundle", config.EnvPolicyFetchTimeout: "200ms"}[k]
	}, &logs)
	require.NoError(t, g.Err())
	for _, body := range [][]byte{groupApply(t), []byte(`{}`)} { // the policy is asked for before the body is read
		resp := g.Serve(context.Background(), Request{Method: "POST", Query: query(webhook.CommandBeforeApplyJoinGroup), Body: body})
		assert.Equal(t, 200, resp.StatusCode)
		assert.True(t, strings.HasPrefix(string(resp.Body), `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"subgate cannot decide: no policy to decide by yet: `), "%s", resp.Body)
	}
	resp := g.Serve(context.Background(), Request{Method: "POST", Query: query(webhook.CommandBeforeApplyJoinGroup, "SdkAppid", "1"), Body: groupApply(t)})
	assert.Equal(t, 403, resp.StatusCode, "the SdkAppid check comes first")

	// An internal fault (a nil policy panics when asked whether it decides groups).
	var faults bytes.Buffer
	g = withSource(config.Config{SdkAppID: appID}, source.Static(&source.Active{}), NewLogger(&faults, slog.LevelInfo))
	resp = g.Serve(context.Background(), Request{Method: "POST", Query: query(webhook.CommandBeforeInviteJoinGroup), Body: groupInvite(t)})
	assert.Equal(t, undecidedAnswer(config.FailClosed, "internal error; see its log"), string(resp.Body))
	lines := logLines(t, faults.String())
	require.Len(t, lines, 2)
	assert.Equal(t, "internal fault", lines[0]["msg"])
	assert.Equal(t, "undecided", lines[1]["msg"])
	assert.Contains(t, lines[1], "group_id")
}

// testSource is a static source of the policy text.
func testSource(t *testing.T, text string) *source.Source {
	t.Helper()
	p := testPolicy(t, text)
	return source.Static(&source.Active{Policy: p, Revision: p.Info().Revision})
}

// recorder is metrics that hand each request's record to a function.
type recorder func(metrics.Record)

func (r recorder) Request(rec metrics.Record) []slog.Attr { r(rec); return nil }
func (r recorder) RefreshFailed(time.Time) []slog.Attr    { return nil }

// The start-up line counts the groups of a policy that decides them, and only of one that does.
func TestStartUpLineCountsGroups(t *testing.T) {
	for _, tt := range []struct {
		policy string
		groups any
	}{
		{"deny: [jared]\ngroups:\n  a: {}\n  b: {closed: true}\n", float64(2)},
		{"deny: [jared]\ngroups: {}\n", float64(0)},
		{"deny: [jared]\n", nil},
	} {
		var logs bytes.Buffer
		g := FromEnv(func(k string) string {
			return map[string]string{config.EnvSdkAppID: appID, config.EnvPolicy: tt.policy}[k]
		}, &logs)
		require.NoError(t, g.Err())
		lines := logLines(t, logs.String())
		require.Len(t, lines, 1)
		assert.Equal(t, tt.groups, lines[0]["groups"], tt.policy)
	}
}

// An invitation as large as a body may be: every member decided, each refused one listed once, in
// order (past the first 32, a set keeps them unique: linear in the request).
func TestLargeGroupInvitation(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"GroupId":"@TGS#x","DestinationMembers":[`)
	n := 0
	for b.Len() < MaxBodyBytes-100 {
		if n > 0 {
			b.WriteByte(',')
		}
		if n%2 == 0 {
			fmt.Fprintf(&b, `{"Member_Account":"bot_%d"}`, n/4) // each refused ID twice
		} else {
			fmt.Fprintf(&b, `{"Member_Account":"u%d"}`, n)
		}
		n++
	}
	b.WriteString(`]}`)
	g := groupsGate(t, "deny: [\"bot_*\"]\ngroups: {}\n", config.Config{}, io.Discard)
	resp := g.Serve(context.Background(), Request{Method: "POST", Query: query(webhook.CommandBeforeInviteJoinGroup), Body: []byte(b.String())})
	require.Equal(t, 200, resp.StatusCode, "%.200s", resp.Body)
	var a webhook.Answer
	require.NoError(t, json.Unmarshal(resp.Body, &a))
	require.Len(t, a.RefusedMembers, (n+3)/4)
	for i, id := range a.RefusedMembers {
		require.Equal(t, fmt.Sprintf("bot_%d", i), id)
	}
}
