package main

import (
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/webhook"
)

func TestGroupCommands(t *testing.T) {
	tests := []struct {
		name string
		args []string
		exit int
	}{
		{"eval-group", []string{"eval", "testdata/groups.yaml", "@TGS#_staff", "staff_1", "bob", "jared", "-group", "-operator", "leckie"}, exitOK},
		{"eval-group-closed", []string{"eval", "testdata/groups.yaml", "@TGS#_closed", "a", "-group"}, exitOK},
		{"eval-group-trusted", []string{"eval", "testdata/groups.yaml", "@TGS#_closed", "jared", "-group", "-operator", "administrator"}, exitOK},
		{"eval-group-max-members", []string{"eval", "testdata/groups.yaml", "@TGS#x", "a", "b", "c", "d", "-group"}, exitOK},
		{"eval-group-shadow", []string{"eval", "testdata/groups.yaml", "@TGS#_beta", "bot_1", "ok", "-group"}, exitOK},
		{"eval-group-json", []string{"eval", "testdata/groups.yaml", "@TGS#_staff", "staff_1", "bob", "-group", "-json"}, exitOK},
		{"eval-group-invite-body", []string{"eval", "testdata/groups.yaml", "-body", "../../deploy/sample-group-invite.json"}, exitOK},
		{"eval-group-apply-body", []string{"eval", "testdata/groups.yaml", "-body", "../../deploy/sample-group-apply.json"}, exitOK},
		{"eval-group-apply-body-json", []string{"eval", "testdata/groups.yaml", "-body", "../../deploy/sample-group-apply.json", "-json"}, exitOK},
		{"eval-group-not-decided", []string{"eval", "testdata/policy.yaml", "@TGS#_staff", "jared", "-group"}, exitFail},
		{"eval-group-not-decided-json", []string{"eval", "testdata/policy.yaml", "-body", "../../deploy/sample-group-apply.json", "-json"}, exitFail},
		{"check-groups", []string{"check", "testdata/groups.yaml"}, exitOK},
		{"test-groups", []string{"test", "testdata/groups.yaml", "testdata/group_cases.yaml", "-v"}, exitFail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := subgate(t, nil, tt.args...)
			assert.Equal(t, tt.exit, r.exit, "stderr: %s", r.stderr)
			golden(t, tt.name, r)
		})
	}
}

func TestGroupUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		problem string
	}{
		{[]string{"eval", "testdata/groups.yaml", "@TOA#_news", "jared", "-group"}, `GROUP is a group ID; "@TOA#_news" is an Official Channel ID (leave out -group)`},
		{[]string{"eval", "testdata/groups.yaml", "@TGS#_staff", "-group"}, "give POLICY GROUP MEMBER... (at least one member)"},
		{[]string{"eval", "testdata/groups.yaml", "@TGS#_staff", "jared"}, `CHANNEL is an Official Channel ID, starting @TOA#_, not "@TGS#_staff" (for a group, add -group)`},
		{[]string{"eval", "testdata/groups.yaml", "-body", "b.json", "-group"}, "with -body, the body names the request: -operator and -group are not taken"},
	} {
		r := subgate(t, nil, tt.args...)
		assert.Equal(t, exitUsage, r.exit)
		assert.Contains(t, r.stderr, tt.problem)
	}
}

// A group case names a group with its members (an invitation) or its requestor (an application),
// and nothing of a channel's.
func TestParseGroupCases(t *testing.T) {
	cases, err := parseCases([]byte(`cases:
  - name: invite
    group: "@TGS#a"
    operator: op
    members: [x]
    member_count: 2
    want: {refused: [x]}
  - name: apply
    group: "my group"
    requestor: jared
    want: {error_code: 1}
`))
	require.NoError(t, err)
	require.Len(t, cases, 2)
	assert.Equal(t, request{group: "@TGS#a", operator: "op", users: []string{"x", "user_1"}}, cases[0].request)
	assert.Equal(t, request{group: "my group", users: []string{"jared"}, application: true}, cases[1].request)

	for _, tt := range []struct{ name, text, want string }{
		{"ChannelAndGroup", "    channel: \"@TOA#_a\"\n    group: g\n    subscribers: [a]\n", "line 4: a case names a channel or a group, not both"},
		{"GroupWithSubscribers", "    group: g\n    subscribers: [a]\n", "line 4: a case with group does not take subscribers"},
		{"ChannelWithMembers", "    channel: \"@TOA#_a\"\n    members: [a]\n", "line 4: a case with channel does not take members"},
		{"ChannelWithRequestor", "    channel: \"@TOA#_a\"\n    subscribers: [a]\n    requestor: a\n", "line 5: a case with channel does not take requestor"},
		{"RequestorAndMembers", "    group: g\n    requestor: a\n    members: [b]\n", "line 5: a case with requestor does not take members"},
		{"RequestorWithOperator", "    group: g\n    operator: op\n    requestor: a\n", "line 4: a case with requestor does not take operator"},
		{"NoMembers", "    group: g\n", "line 2: a case needs members (or member_count, or requestor for an application)"},
		{"GroupIsAChannel", "    group: \"@TOA#_a\"\n    members: [a]\n", `line 3: group is a group ID, such as @TGS#2J4SZEAEL, not "@TOA#_a"`},
		{"EmptyGroup", "    group: \"\"\n    members: [a]\n", `line 3: group is a group ID, such as @TGS#2J4SZEAEL, not ""`},
		{"RequestorNotAString", "    group: g\n    requestor: [a]\n", "line 4: requestor must be a string"},
		{"MemberCountTooSmall", "    group: g\n    members: [a, b]\n    member_count: 1\n", "line 5: member_count must be from the number of members listed (2) to 100000, not 1"},
		{"RuleOfAStranger", "    group: g\n    requestor: a\n    want:\n      rules: {b: x}\n", `line 6: rules names "b", which is not among the case's subscribers (members)`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			text := "cases:\n  - name: a\n" + tt.text
			if !strings.Contains(tt.text, "want:") {
				text += "    want: {}\n"
			}
			_, err := parseCases([]byte(text))
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
		})
	}
}

// Eval's answer to a group request is the function's, byte for byte, through ServeDirect and
// through Chat's request.
func TestEvalGroupAnswersAsTheFunction(t *testing.T) {
	env := map[string]string{"SUBGATE_SDKAPPID": "1400000001", "SUBGATE_POLICY_FILE": "testdata/groups.yaml"}
	function := gate.FromEnv(func(k string) string { return env[k] }, io.Discard).WithClock(func() time.Time { return testNow })
	require.NoError(t, function.Err())
	for _, req := range []request{
		{group: "@TGS#x", operator: "op", users: []string{"jared", "", "ok", "jared"}},
		{group: "@TGS#_staff", users: []string{"staff_1", "bob"}},
		{group: "@TGS#_closed", users: []string{"a"}},
		{group: "@TGS#x", users: []string{"jared"}, application: true},
		{group: "@TGS#_beta", users: []string{"bot_1"}, application: true},
	} {
		body := req.body(testNow)
		file := filepath.Join(t.TempDir(), "body.json")
		require.NoError(t, os.WriteFile(file, body, 0o644))
		r := subgate(t, nil, "eval", "testdata/groups.yaml", "-body", file)
		require.Equal(t, exitOK, r.exit, r.stderr)
		answer, _, _ := strings.Cut(r.stdout, "\n")
		assert.Equal(t, string(function.ServeDirect(t.Context(), body, "eval-test")), answer)
		command := webhook.CommandBeforeInviteJoinGroup
		if req.application {
			command = webhook.CommandBeforeApplyJoinGroup
		}
		resp := function.Serve(t.Context(), gate.Request{Method: "POST", Query: url.Values{"SdkAppid": {"1400000001"}, "CallbackCommand": {command}}, Body: body})
		assert.Equal(t, string(resp.Body), answer)
		if !req.application {
			positional := subgate(t, nil, append([]string{"eval", "testdata/groups.yaml", "-group", "-operator", req.operator, "--", req.group}, req.users...)...)
			assert.Equal(t, r, positional, "-group decides the same body")
		}
	}
}
