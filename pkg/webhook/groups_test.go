package webhook

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The documented samples (testdata, from /document/34371 and /34370), EventTime quoted as they
// quote it.
func TestParseGroupSamples(t *testing.T) {
	body, err := os.ReadFile("testdata/group-invite.json")
	require.NoError(t, err)
	invite, err := ParseInviteJoinGroup(body)
	require.NoError(t, err)
	assert.Equal(t, &InviteJoinGroup{CallbackCommand: CommandBeforeInviteJoinGroup, Group: "@TGS#2J4SZEAEL", Type: "Public",
		Operator: "leckie", Members: []string{"jared", "leckie"}}, invite)

	body, err = os.ReadFile("testdata/group-apply.json")
	require.NoError(t, err)
	apply, err := ParseApplyJoinGroup(body)
	require.NoError(t, err)
	assert.Equal(t, &ApplyJoinGroup{CallbackCommand: CommandBeforeApplyJoinGroup, Group: "@TGS#2J4SZEAEL", Type: "Public", Requestor: "jared"}, apply)
}

func TestParseInviteJoinGroup(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    *InviteJoinGroup
		wantErr string
	}{
		{name: "Minimal", body: `{"GroupId":"g","DestinationMembers":[]}`,
			want: &InviteJoinGroup{Group: "g", Members: []string{}}},
		{name: "EventTimeNumber", body: `{"GroupId":"g","DestinationMembers":[{"Member_Account":"a"}],"EventTime":1670574414123}`,
			want: &InviteJoinGroup{Group: "g", Members: []string{"a"}}},
		{name: "EventTimeDigits", body: `{"GroupId":"g","DestinationMembers":[],"EventTime":"1670574414123"}`,
			want: &InviteJoinGroup{Group: "g", Members: []string{}}},
		{name: "EventTimeEscapedDigits", body: `{"GroupId":"g","DestinationMembers":[],"EventTime":"\u0031"}`,
			want: &InviteJoinGroup{Group: "g", Members: []string{}}},
		{name: "EventTimeNull", body: `{"GroupId":"g","DestinationMembers":[],"EventTime":null}`,
			want: &InviteJoinGroup{Group: "g", Members: []string{}}},
		{name: "MissingAccountIsEmpty", body: `{"GroupId":"g","DestinationMembers":[{},{"Member_Account":null},{"Member_Account":"x"}]}`,
			want: &InviteJoinGroup{Group: "g", Members: []string{"", "", "x"}}},
		{name: "UnknownFieldsIgnored", body: `{"GroupId":"g","DestinationMembers":[{"Member_Account":"x","Role":1}],"TopicId":"t"}`,
			want: &InviteJoinGroup{Group: "g", Members: []string{"x"}}},
		{name: "MissingGroup", body: `{"DestinationMembers":[]}`, wantErr: "GroupId is missing"},
		{name: "NullGroup", body: `{"GroupId":null,"DestinationMembers":[]}`, wantErr: "GroupId is missing"},
		{name: "MissingMembers", body: `{"GroupId":"g"}`, wantErr: "DestinationMembers is missing"},
		{name: "NullMembers", body: `{"GroupId":"g","DestinationMembers":null}`, wantErr: "DestinationMembers is missing"},
		{name: "Null", body: `null`, wantErr: "GroupId is missing"},
		{name: "Array", body: `[]`, wantErr: "body is not a JSON object"},
		{name: "Empty", body: ``, wantErr: "body is empty"},
		{name: "GroupAsNumber", body: `{"GroupId":5,"DestinationMembers":[]}`, wantErr: "GroupId must be a string, not a JSON number"},
		{name: "TypeAsBool", body: `{"GroupId":"g","Type":true,"DestinationMembers":[]}`, wantErr: "Type must be a string, not a JSON bool"},
		{name: "OperatorAsArray", body: `{"GroupId":"g","Operator_Account":[],"DestinationMembers":[]}`, wantErr: "Operator_Account must be a string, not a JSON array"},
		{name: "CommandAsObject", body: `{"CallbackCommand":{},"GroupId":"g","DestinationMembers":[]}`, wantErr: "CallbackCommand must be a string, not a JSON object"},
		{name: "MembersAsObject", body: `{"GroupId":"g","DestinationMembers":{"Member_Account":"x"}}`, wantErr: "DestinationMembers must be an array, not a JSON object"},
		{name: "MemberAsString", body: `{"GroupId":"g","DestinationMembers":["x"]}`, wantErr: "DestinationMembers must be an object, not a JSON string"},
		{name: "NullMember", body: `{"GroupId":"g","DestinationMembers":[{"Member_Account":"x"},null]}`, wantErr: "DestinationMembers[1] is null, not an object"},
		{name: "AccountAsNumber", body: `{"GroupId":"g","DestinationMembers":[{"Member_Account":42}]}`, wantErr: "DestinationMembers.Member_Account must be a string, not a JSON number"},
		{name: "EventTimeWord", body: `{"GroupId":"g","DestinationMembers":[],"EventTime":"yesterday"}`, wantErr: "EventTime must be a number or a string of digits, not a JSON string of other characters"},
		{name: "EventTimeEmptyString", body: `{"GroupId":"g","DestinationMembers":[],"EventTime":""}`, wantErr: "EventTime must be a number or a string of digits, not a JSON string of other characters"},
		{name: "EventTimeSigned", body: `{"GroupId":"g","DestinationMembers":[],"EventTime":"-1"}`, wantErr: "EventTime must be a number or a string of digits"},
		{name: "EventTimeObject", body: `{"GroupId":"g","DestinationMembers":[],"EventTime":{}}`, wantErr: "EventTime must be a number or a string of digits, not a JSON object"},
		{name: "EventTimeArray", body: `{"GroupId":"g","DestinationMembers":[],"EventTime":[1]}`, wantErr: "EventTime must be a number or a string of digits, not a JSON array"},
		{name: "EventTimeBool", body: `{"GroupId":"g","DestinationMembers":[],"EventTime":false}`, wantErr: "EventTime must be a number or a string of digits, not a JSON bool"},
		{name: "DuplicateKey", body: `{"GroupId":"g","GroupId":"h","DestinationMembers":[]}`, wantErr: "an object has the same key twice"},
		{name: "DuplicateKeyOtherCase", body: `{"GroupId":"g","groupid":"h","DestinationMembers":[]}`, wantErr: "an object has the same key twice"},
		{name: "DuplicateMemberKeyEscaped", body: `{"GroupId":"g","DestinationMembers":[{"Member_Account":"jared","Member_\u0041ccount":"ok"}]}`, wantErr: "an object has the same key twice"},
		{name: "TrailingGarbage", body: `{"GroupId":"g","DestinationMembers":[]}x`, wantErr: "more after its JSON object"},
		{name: "InvalidUTF8", body: "{\"GroupId\":\"g\xff\",\"DestinationMembers\":[]}", wantErr: "not valid UTF-8"},
		{name: "Truncated", body: `{"GroupId":"g","DestinationMembers":[`, wantErr: "body is not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseInviteJoinGroup([]byte(tt.body))
			if tt.wantErr != "" {
				require.ErrorIs(t, err, ErrBadBody)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseApplyJoinGroup(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    *ApplyJoinGroup
		wantErr string
	}{
		{name: "Minimal", body: `{"GroupId":"g","Requestor_Account":"jared"}`, want: &ApplyJoinGroup{Group: "g", Requestor: "jared"}},
		{name: "EmptyRequestorIsRead", body: `{"GroupId":"g","Requestor_Account":""}`, want: &ApplyJoinGroup{Group: "g"}},
		{name: "EventTimeNumber", body: `{"GroupId":"g","Type":"Public","Requestor_Account":"a","EventTime":1670574414123}`,
			want: &ApplyJoinGroup{Group: "g", Type: "Public", Requestor: "a"}},
		{name: "EventTimeAbsent", body: `{"CallbackCommand":"Group.CallbackBeforeApplyJoinGroup","GroupId":"g","Requestor_Account":"a"}`,
			want: &ApplyJoinGroup{CallbackCommand: CommandBeforeApplyJoinGroup, Group: "g", Requestor: "a"}},
		{name: "MissingRequestor", body: `{"GroupId":"g"}`, wantErr: "Requestor_Account is missing"},
		{name: "NullRequestor", body: `{"GroupId":"g","Requestor_Account":null}`, wantErr: "Requestor_Account is missing"},
		{name: "MissingGroup", body: `{"Requestor_Account":"a"}`, wantErr: "GroupId is missing"},
		{name: "RequestorAsNumber", body: `{"GroupId":"g","Requestor_Account":7}`, wantErr: "Requestor_Account must be a string, not a JSON number"},
		{name: "GroupAsArray", body: `{"GroupId":["g"],"Requestor_Account":"a"}`, wantErr: "GroupId must be a string, not a JSON array"},
		{name: "TypeAsNumber", body: `{"GroupId":"g","Type":1,"Requestor_Account":"a"}`, wantErr: "Type must be a string, not a JSON number"},
		{name: "EventTimeWord", body: `{"GroupId":"g","Requestor_Account":"a","EventTime":"now"}`, wantErr: "EventTime must be a number or a string of digits"},
		{name: "DuplicateRequestor", body: `{"GroupId":"g","Requestor_Account":"jared","requestor_account":"ok"}`, wantErr: "an object has the same key twice"},
		{name: "TooDeep", body: `{"GroupId":"g","Requestor_Account":"a","X":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, wantErr: "nested more than 32 deep"},
		{name: "TwoObjects", body: `{"GroupId":"g","Requestor_Account":"a"}{}`, wantErr: "more after its JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseApplyJoinGroup([]byte(tt.body))
			if tt.wantErr != "" {
				require.ErrorIs(t, err, ErrBadBody)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestProceedMembersEncode(t *testing.T) {
	assert.Equal(t, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedMembers_Account":["jared","x&y"]}`,
		string(ProceedMembers([]string{"jared", "x&y"}).Encode()))
	assert.Equal(t, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`, string(ProceedMembers(nil).Encode()), "left out when nobody is refused")
}

func TestIsGroupCommand(t *testing.T) {
	assert.True(t, IsGroupCommand(CommandBeforeInviteJoinGroup))
	assert.True(t, IsGroupCommand(CommandBeforeApplyJoinGroup))
	assert.False(t, IsGroupCommand(CommandBeforeAddSubscriber))
	assert.False(t, IsGroupCommand("Group.CallbackBeforeSendMsg"))
	assert.False(t, IsGroupCommand("group.callbackbeforeinvitejoingroup"), "commands are compared exactly")
}
