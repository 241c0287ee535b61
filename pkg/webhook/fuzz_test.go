package webhook

import (
	"encoding/json"
	"errors"
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
