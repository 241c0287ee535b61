package webhook

import "strconv"

// parseCommon reads a CallbackBeforeAddSubscriber body of the shape Chat sends, in one pass and
// without reflection: one object whose keys are exactly CallbackCommand, Official_Account,
// Operator_Account (strings), EventTime (a number) and SubscribeAccountList (an array of objects
// whose only key is Subscriber_Account, a string), each at most once, with Official_Account and
// SubscribeAccountList present, strings without escapes, and nothing but whitespace around it.
// For any other body it reports false, and ParseAddSubscriber reads the body the general way,
// which gives every error its message; for a body it accepts, the general way gives the same
// request (a test checks both on many bodies).
func parseCommon(body []byte) (*AddSubscriber, bool) {
	p := commonParser{b: body}
	req := &AddSubscriber{}
	var seen [5]bool // CallbackCommand, Official_Account, Operator_Account, SubscribeAccountList, EventTime
	p.space()
	if !p.byte('{') {
		return nil, false
	}
	p.space()
	if !p.byte('}') {
		for {
			p.space()
			key, ok := p.str()
			if !ok {
				return nil, false
			}
			p.space()
			if !p.byte(':') {
				return nil, false
			}
			p.space()
			var field int
			switch key {
			case "CallbackCommand":
				field = 0
				req.CallbackCommand, ok = p.str()
			case "Official_Account":
				field = 1
				req.Channel, ok = p.str()
			case "Operator_Account":
				field = 2
				req.Operator, ok = p.str()
			case "SubscribeAccountList":
				field = 3
				req.Subscribers, ok = p.subscribers()
			case "EventTime":
				field = 4
				ok = p.number()
			default:
				return nil, false
			}
			if !ok || seen[field] {
				return nil, false
			}
			seen[field] = true
			p.space()
			if p.byte('}') {
				break
			}
			if !p.byte(',') {
				return nil, false
			}
		}
	}
	p.space()
	if p.i != len(p.b) || !seen[1] || !seen[3] {
		return nil, false
	}
	return req, true
}

// commonParser steps through a body; every method reports false for anything outside the shape
// parseCommon takes.
type commonParser struct {
	b []byte
	i int
}

func (p *commonParser) space() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\t' || p.b[p.i] == '\r' || p.b[p.i] == '\n') {
		p.i++
	}
}

func (p *commonParser) byte(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str reads a string without escapes or control characters (the body is known to be valid UTF-8).
func (p *commonParser) str() (string, bool) {
	if !p.byte('"') {
		return "", false
	}
	start := p.i
	for p.i < len(p.b) {
		switch c := p.b[p.i]; {
		case c == '"':
			s := string(p.b[start:p.i])
			p.i++
			return s, true
		case c == '\\' || c < 0x20:
			return "", false
		}
		p.i++
	}
	return "", false
}

// subscribers reads [] or [{"Subscriber_Account": "id"}, {}, ...].
func (p *commonParser) subscribers() ([]string, bool) {
	if !p.byte('[') {
		return nil, false
	}
	list := make([]string, 0, 8)
	p.space()
	if p.byte(']') {
		return list, true
	}
	for {
		p.space()
		if !p.byte('{') {
			return nil, false
		}
		p.space()
		id := ""
		if !p.byte('}') {
			key, ok := p.str()
			if !ok || key != "Subscriber_Account" {
				return nil, false
			}
			p.space()
			if !p.byte(':') {
				return nil, false
			}
			p.space()
			if id, ok = p.str(); !ok {
				return nil, false
			}
			p.space()
			if !p.byte('}') {
				return nil, false
			}
		}
		list = append(list, id)
		p.space()
		if p.byte(']') {
			return list, true
		}
		if !p.byte(',') {
			return nil, false
		}
	}
}

// number reads a JSON number that a float64 holds.
func (p *commonParser) number() bool {
	start := p.i
	p.byte('-')
	switch {
	case p.byte('0'):
	case p.i < len(p.b) && p.b[p.i] >= '1' && p.b[p.i] <= '9':
		p.digits()
	default:
		return false
	}
	if p.byte('.') {
		if !p.digits() {
			return false
		}
	}
	if p.byte('e') || p.byte('E') {
		if !p.byte('+') {
			p.byte('-')
		}
		if !p.digits() {
			return false
		}
	}
	_, err := strconv.ParseFloat(string(p.b[start:p.i]), 64)
	return err == nil
}

// digits reads one or more decimal digits.
func (p *commonParser) digits() bool {
	start := p.i
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	return p.i > start
}
