package webhook

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func FuzzParseAddSubscriber(f *testing.F) {
	f.Add([]byte(`{"CallbackCommand":"OfficialAccount.CallbackBeforeAddSubscriber","Official_Account":"@TOA#_test_for_penn","Operator_Account":"107867","SubscribeAccountList":[{"Subscriber_Account":"jared"},{"Subscriber_Account":"leckie"}],"EventTime":1670574414123}`))
	f.Add([]byte(`{"Official_Account":"@TOA#_a","SubscribeAccountList":[{"Subscriber_Account":"a","Subscriber_\u0041ccount":"b"}]}`))
	f.Add([]byte(`{"Official_Account":"@TOA#_a","SubscribeAccountList":[],"X":[[[[{"a":"\"}"}]]]]}`))
	f.Add([]byte(`{"a":1,"A":2}`))
	f.Add([]byte(`[]`))
	f.Add([]byte("\xef\xbb\xbf{}"))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := ParseAddSubscriber(body)
		if err != nil {
			if !errors.Is(err, ErrBadBody) || req != nil {
				t.Fatalf("error %v with request %+v", err, req)
			}
			return
		}
		if !json.Valid(body) {
			t.Fatalf("accepted a body that is not valid JSON: %q", body)
		}
		// An accepted body reads the same through a plain decode: nothing was half-accepted.
		var plain struct {
			Official_Account     string
			SubscribeAccountList []struct{ Subscriber_Account string }
		}
		if err := json.Unmarshal(body, &plain); err != nil {
			t.Fatalf("accepted a body a plain decode rejects: %v", err)
		}
		if plain.Official_Account != req.Channel || len(plain.SubscribeAccountList) != len(req.Subscribers) {
			t.Fatalf("parsed %+v, plain decode %+v", req, plain)
		}
		for i, s := range plain.SubscribeAccountList {
			if s.Subscriber_Account != req.Subscribers[i] {
				t.Fatalf("subscriber %d: parsed %q, plain decode %q", i, req.Subscribers[i], s.Subscriber_Account)
			}
		}
	})
}

func FuzzParseInviteJoinGroup(f *testing.F) {
	f.Add([]byte(`{"CallbackCommand":"Group.CallbackBeforeInviteJoinGroup","GroupId":"@TGS#2J4SZEAEL","Type":"Public","Operator_Account":"leckie","DestinationMembers":[{"Member_Account":"jared"},{"Member_Account":"leckie"}],"EventTime":"1670574414123"}`))
	f.Add([]byte(`{"GroupId":"g","DestinationMembers":[{},{"Member_Account":null}],"EventTime":1}`))
	f.Add([]byte(`{"GroupId":"g","DestinationMembers":[{"Member_Account":"a","member_account":"b"}]}`))
	f.Add([]byte(`{"GroupId":"g","DestinationMembers":[],"EventTime":"\u0031x"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := ParseInviteJoinGroup(body)
		if err != nil {
			if !errors.Is(err, ErrBadBody) || req != nil {
				t.Fatalf("error %v with request %+v", err, req)
			}
			return
		}
		// An accepted body reads the same through a plain decode: nothing was half-accepted.
		var plain struct {
			GroupId, Operator_Account string
			DestinationMembers        []struct{ Member_Account string }
			EventTime                 any
		}
		if err := json.Unmarshal(body, &plain); err != nil {
			t.Fatalf("accepted a body a plain decode rejects: %v", err)
		}
		if plain.GroupId != req.Group || plain.Operator_Account != req.Operator || len(plain.DestinationMembers) != len(req.Members) {
			t.Fatalf("parsed %+v, plain decode %+v", req, plain)
		}
		for i, m := range plain.DestinationMembers {
			if m.Member_Account != req.Members[i] {
				t.Fatalf("member %d: parsed %q, plain decode %q", i, req.Members[i], m.Member_Account)
			}
		}
		checkEventTime(t, plain.EventTime)
	})
}

func FuzzParseApplyJoinGroup(f *testing.F) {
	f.Add([]byte(`{"CallbackCommand":"Group.CallbackBeforeApplyJoinGroup","GroupId":"@TGS#2J4SZEAEL","Type":"Public","Requestor_Account":"jared","EventTime":"1670574414123"}`))
	f.Add([]byte(`{"GroupId":"g","Requestor_Account":"","EventTime":-1.5e3}`))
	f.Add([]byte(`{"GroupId":"g","Requestor_Account":"a","REQUESTOR_ACCOUNT":"b"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := ParseApplyJoinGroup(body)
		if err != nil {
			if !errors.Is(err, ErrBadBody) || req != nil {
				t.Fatalf("error %v with request %+v", err, req)
			}
			return
		}
		var plain struct {
			GroupId           string
			Requestor_Account *string
			EventTime         any
		}
		if err := json.Unmarshal(body, &plain); err != nil {
			t.Fatalf("accepted a body a plain decode rejects: %v", err)
		}
		if plain.GroupId != req.Group || plain.Requestor_Account == nil || *plain.Requestor_Account != req.Requestor {
			t.Fatalf("parsed %+v, plain decode %+v", req, plain)
		}
		checkEventTime(t, plain.EventTime)
	})
}

// checkEventTime fails on an accepted EventTime that is neither absent, a number nor a string of
// digits.
func checkEventTime(t *testing.T, v any) {
	t.Helper()
	switch v := v.(type) {
	case nil, float64:
	case string:
		if v == "" || strings.Trim(v, "0123456789") != "" {
			t.Fatalf("accepted EventTime %q", v)
		}
	default:
		t.Fatalf("accepted EventTime %v", v)
	}
}
