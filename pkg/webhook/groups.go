package webhook

import (
	"encoding/json"
	"fmt"
)

// The group commands: "Before Inviting a User to a Group" and "Before Applying to Join a Group".
// subgate decides them when its policy says so (a policy with a groups key), and lets them go on
// (or relays them) otherwise.
const (
	CommandBeforeInviteJoinGroup = "Group.CallbackBeforeInviteJoinGroup"
	CommandBeforeApplyJoinGroup  = "Group.CallbackBeforeApplyJoinGroup"
)

// IsGroupCommand reports whether command is one of the group commands.
func IsGroupCommand(command string) bool {
	return command == CommandBeforeInviteJoinGroup || command == CommandBeforeApplyJoinGroup
}

// InviteJoinGroup is the body of Group.CallbackBeforeInviteJoinGroup: users are about to be added
// to a group, invited by a member from a client or added by the app admin through the REST API.
type InviteJoinGroup struct {
	CallbackCommand string
	// Group is GroupId: the group the users are to be added to.
	Group string
	// Type is the group's type (Public, Work or Private, ...), "" when absent.
	Type string
	// Operator is Operator_Account: who asked for the addition, "" when absent.
	Operator string
	// Members are the DestinationMembers' Member_Account values, in request order; an entry
	// without one is "".
	Members []string
}

// ApplyJoinGroup is the body of Group.CallbackBeforeApplyJoinGroup: a user asks to join a group.
type ApplyJoinGroup struct {
	CallbackCommand string
	// Group is GroupId: the group asked for.
	Group string
	// Type is the group's type, "" when absent.
	Type string
	// Requestor is Requestor_Account: the user asking to join.
	Requestor string
}

// ParseInviteJoinGroup decodes and checks the body of a CallbackBeforeInviteJoinGroup request, as
// strictly as ParseAddSubscriber: one JSON object in valid UTF-8, no key given twice, a string
// GroupId and an array DestinationMembers of objects; Type, Operator_Account and Member_Account,
// when present, strings; EventTime a number or a string of digits (the documented samples quote it).
func ParseInviteJoinGroup(body []byte) (*InviteJoinGroup, error) {
	raw, err := decodeBody[inviteJoinGroupIn](body)
	if err != nil {
		return nil, err
	}
	if err := raw.check(); err != nil {
		return nil, err
	}
	if raw.DestinationMembers == nil || *raw.DestinationMembers == nil {
		return nil, fmt.Errorf("%w: DestinationMembers is missing", ErrBadBody)
	}
	req := &InviteJoinGroup{CallbackCommand: value(raw.CallbackCommand), Group: *raw.GroupID, Type: value(raw.Type),
		Operator: value(raw.OperatorAccount)}
	list := *raw.DestinationMembers
	req.Members = make([]string, len(list))
	for i, m := range list {
		if m == nil {
			return nil, fmt.Errorf("%w: DestinationMembers[%d] is null, not an object", ErrBadBody, i)
		}
		req.Members[i] = m.Account
	}
	return req, nil
}

// ParseApplyJoinGroup decodes and checks the body of a CallbackBeforeApplyJoinGroup request, as
// strictly as ParseInviteJoinGroup: a string GroupId and a string Requestor_Account (an empty one
// is read as it is, and refused by the policy; a missing one is an error, as no user asked).
func ParseApplyJoinGroup(body []byte) (*ApplyJoinGroup, error) {
	raw, err := decodeBody[applyJoinGroupIn](body)
	if err != nil {
		return nil, err
	}
	if err := raw.check(); err != nil {
		return nil, err
	}
	if raw.RequestorAccount == nil {
		return nil, fmt.Errorf("%w: Requestor_Account is missing", ErrBadBody)
	}
	return &ApplyJoinGroup{CallbackCommand: value(raw.CallbackCommand), Group: *raw.GroupID, Type: value(raw.Type),
		Requestor: *raw.RequestorAccount}, nil
}

// groupIn is what both group bodies hold, as encoding/json decodes it: pointers tell a missing
// field from a present one.
type groupIn struct {
	CallbackCommand *string          `json:"CallbackCommand"`
	GroupID         *string          `json:"GroupId"`
	Type            *string          `json:"Type"`
	EventTime       *json.RawMessage `json:"EventTime"` // read only to check it (see isEventTime)
}

func (g *groupIn) check() error {
	if g.GroupID == nil {
		return fmt.Errorf("%w: GroupId is missing", ErrBadBody)
	}
	if g.EventTime != nil && !isEventTime(*g.EventTime) {
		return fmt.Errorf("%w: EventTime must be a number or a string of digits, not %s", ErrBadBody, jsonValueKind(*g.EventTime))
	}
	return nil
}

type inviteJoinGroupIn struct {
	groupIn
	OperatorAccount    *string      `json:"Operator_Account"`
	DestinationMembers *[]*memberIn `json:"DestinationMembers"`
}

// memberIn is one entry of DestinationMembers. A missing or null Member_Account reads as "", as
// an empty one does.
type memberIn struct {
	Account string `json:"Member_Account"`
}

type applyJoinGroupIn struct {
	groupIn
	RequestorAccount *string `json:"Requestor_Account"`
}

// isEventTime reports whether v (a JSON value, not null) is an EventTime of a group body: a number,
// or a string of ASCII digits ("1670574414123"), as the field tables and the samples write it.
func isEventTime(v []byte) bool {
	if v[0] != '"' {
		return v[0] == '-' || v[0] >= '0' && v[0] <= '9'
	}
	var digits string
	if json.Unmarshal(v, &digits) != nil || digits == "" {
		return false
	}
	for _, c := range []byte(digits) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// jsonValueKind names the kind of the JSON value v, as describeJSONError's messages do.
func jsonValueKind(v []byte) string {
	switch v[0] {
	case '"':
		return "a JSON string of other characters"
	case '{':
		return "a JSON object"
	case '[':
		return "a JSON array"
	case 't', 'f':
		return "a JSON bool"
	}
	return "a JSON number"
}
