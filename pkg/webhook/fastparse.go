package webhook

import (
	"strconv"

	"github.com/subgate/subgate/pkg/internal/jsonscan"
)

// commonFields are the keys parseCommon reads, exactly as Chat spells them.
var commonFields = [...]string{"CallbackCommand", "Official_Account", "Operator_Account", "SubscribeAccountList", "EventTime"}

// parseCommon reads a CallbackBeforeAddSubscriber body of the shape Chat sends, in one pass and
// without reflection: one object whose keys are exactly CallbackCommand, Official_Account,
// Operator_Account (strings), EventTime (a number a float64 holds) and SubscribeAccountList (an
// array of objects whose only key is Subscriber_Account, a string), each at most once, with
// Official_Account and SubscribeAccountList present, strings without \u escapes, and nothing but
// whitespace around it. For any other body it reports false, and ParseAddSubscriber reads the body
// the general way, which gives every error its message; for a body it accepts, the general way
// gives the same request (a test checks both on many bodies).
func parseCommon(body []byte) (*AddSubscriber, bool) {
	s := jsonscan.Scanner{B: body}
	req := &AddSubscriber{}
	var seen [len(commonFields)]bool
	s.Space()
	ok := s.Object(func(key string) bool {
		field := -1
		for i, name := range commonFields {
			if key == name {
				field = i
			}
		}
		if field < 0 || seen[field] {
			return false
		}
		seen[field] = true
		var ok bool
		switch field {
		case 0:
			req.CallbackCommand, ok = s.Str()
		case 1:
			req.Channel, ok = s.Str()
		case 2:
			req.Operator, ok = s.Str()
		case 3:
			req.Subscribers, ok = readSubscribers(&s)
		case 4:
			ok = readFloat(&s)
		}
		return ok
	})
	s.Space()
	if !ok || s.I != len(s.B) || !seen[1] || !seen[3] {
		return nil, false
	}
	return req, true
}

// readSubscribers reads [] or [{"Subscriber_Account": "id"}, {}, ...].
func readSubscribers(s *jsonscan.Scanner) ([]string, bool) {
	if !s.Byte('[') {
		return nil, false
	}
	list := make([]string, 0, 8)
	s.Space()
	if s.Byte(']') {
		return list, true
	}
	for {
		s.Space()
		id, seen := "", false
		ok := s.Object(func(key string) bool {
			if key != "Subscriber_Account" || seen {
				return false
			}
			seen = true
			var ok bool
			id, ok = s.Str()
			return ok
		})
		if !ok {
			return nil, false
		}
		list = append(list, id)
		s.Space()
		if s.Byte(']') {
			return list, true
		}
		if !s.Byte(',') {
			return nil, false
		}
	}
}

// readFloat reads a JSON number that a float64 holds, as encoding/json requires of EventTime.
func readFloat(s *jsonscan.Scanner) bool {
	start := s.I
	if !s.Number() {
		return false
	}
	_, err := strconv.ParseFloat(string(s.B[start:s.I]), 64)
	return err == nil
}
