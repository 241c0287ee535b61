package policy

import (
	"fmt"
	"time"
)

// ChannelPrefix starts every Official Channel ID.
const ChannelPrefix = "@TOA#_"

// Policy is a loaded policy, ready to decide. It is safe for concurrent use.
type Policy struct {
	trusted        map[string]struct{}
	maxSubscribers int
	global         rules
	channels       map[string]*channel
	files          []string // list files, as the policy names them, each once
	lists          []*list  // every distinct list, in the order the policy names them
	info           Info
}

// Files are the list files the policy reads (deny_file, allow_file), as it names them, each once.
func (p *Policy) Files() []string { return p.files }

// rules decide single subscribers on one channel.
type rules struct {
	deny   []*list // every deny list that applies: the global one, then the channel's
	allow  *list   // the allow list that applies, nil when none
	def    *defaultRule
	shadow bool
}

type channel struct {
	rules
	closed bool
	reason string
}

// Decision is what the policy says about one request.
type Decision struct {
	// Rejected is true when the whole request is rejected (closed channel, too many subscribers).
	Rejected bool
	// Reason says why, when Rejected: the answer's ErrorInfo.
	Reason string
	// Refused lists the refused subscribers, each once, in request order: the answer's
	// RefusedSubscribers_Account. It is empty when the request is rejected or trusted.
	Refused []string
	// Trusted is true when the operator is trusted and no rule was applied.
	Trusted bool
	// Shadow is true when the channel's rules are in shadow mode (mode: shadow): the decision is
	// what the policy would do, and the gate lets everyone through and logs it instead.
	Shadow bool
	// Rule is the rule that decided the whole request: RuleTrustedOperator, RuleClosedChannel or
	// RuleMaxSubscribers; NoRule when each subscriber was decided on its own.
	Rule Rule
	// Subscribers has the verdict on each subscriber of the request, in request order (repeated
	// IDs too). In a rejected request every one is Refused, by the request's Rule.
	Subscribers []Verdict
}

// AllowAll is the policy used when none is configured: everyone may subscribe.
func AllowAll() *Policy {
	return &Policy{global: rules{def: &defaultRule{allow: true}}}
}

// Decide applies the policy, as of now, to a request by operator to add subscribers to the
// Official Channel ch. It is DecideAt(time.Now(), ...).
func (p *Policy) Decide(ch, operator string, subscribers []string) Decision {
	return p.DecideAt(time.Now(), ch, operator, subscribers)
}

// DecideAt applies the policy as it stands at the time now: a list entry whose until is at or
// before now (to the second) no longer applies. It allocates the Decision's Subscribers and
// Refused slices (and a set to keep the refused IDs unique past the first 32), whatever the lists'
// sizes; the rules' words are written only when asked for (Rule.String).
func (p *Policy) DecideAt(now time.Time, ch, operator string, subscribers []string) Decision {
	r := &p.global
	c, listed := p.channels[ch]
	if listed {
		r = &c.rules
	}
	d := Decision{Shadow: r.shadow}
	if _, ok := p.trusted[operator]; ok {
		d.Trusted, d.Rule = true, Rule{kind: RuleTrustedOperator}
		return d.all(subscribers, false)
	}
	if listed && c.closed {
		d.Rejected, d.Reason, d.Rule = true, c.reason, Rule{kind: RuleClosedChannel}
		return d.all(subscribers, true)
	}
	if p.maxSubscribers > 0 && len(subscribers) > p.maxSubscribers {
		d.Rejected, d.Rule = true, Rule{kind: RuleMaxSubscribers}
		d.Reason = fmt.Sprintf("request has %d subscribers; this app accepts at most %d per request", len(subscribers), p.maxSubscribers)
		return d.all(subscribers, true)
	}
	if len(subscribers) == 0 {
		return d
	}
	at := now.Unix()
	d.Subscribers = make([]Verdict, len(subscribers))
	refused := 0
	for i, id := range subscribers {
		rule := r.decide(id, at)
		d.Subscribers[i] = Verdict{ID: id, Refused: rule.Refuses(), Rule: rule}
		if d.Subscribers[i].Refused {
			refused++
		}
	}
	if refused > 0 {
		d.Refused = refusedOnce(d.Subscribers, refused)
	}
	return d
}

// all gives every subscriber the decision's Rule.
func (d Decision) all(subscribers []string, refused bool) Decision {
	if len(subscribers) == 0 {
		return d
	}
	d.Subscribers = make([]Verdict, len(subscribers))
	for i, id := range subscribers {
		d.Subscribers[i] = Verdict{ID: id, Refused: refused, Rule: d.Rule}
	}
	return d
}

// decide is the rule that decides the subscriber id at the time at (Unix seconds).
func (r *rules) decide(id string, at int64) Rule {
	if id == "" {
		return Rule{kind: RuleEmptySubscriber}
	}
	for _, deny := range r.deny {
		if e, ok := deny.match(id, at); ok {
			return Rule{kind: RuleDeny, list: deny, entry: e}
		}
	}
	if r.allow != nil {
		if e, ok := r.allow.match(id, at); ok {
			return Rule{kind: RuleAllow, list: r.allow, entry: e}
		}
		return Rule{kind: RuleAllowNoMatch, list: r.allow}
	}
	return Rule{kind: RuleDefault, def: r.def}
}

// refusedScanLimit is how many refused IDs are checked for repeats by scanning; past it, a set
// takes over, so a huge request stays linear. A REST call carries at most 100 subscribers.
const refusedScanLimit = 32

// refusedOnce lists the refused subscribers' IDs, each once, in order; n is how many verdicts
// refuse.
func refusedOnce(verdicts []Verdict, n int) []string {
	ids := make([]string, 0, n)
	var seen map[string]struct{}
	for _, v := range verdicts {
		if !v.Refused {
			continue
		}
		if seen == nil {
			repeated := false
			for _, s := range ids {
				if s == v.ID {
					repeated = true
					break
				}
			}
			if repeated {
				continue
			}
			if len(ids) == refusedScanLimit {
				seen = make(map[string]struct{}, 2*refusedScanLimit)
				for _, s := range ids {
					seen[s] = struct{}{}
				}
			}
		}
		if seen != nil {
			if _, ok := seen[v.ID]; ok {
				continue
			}
			seen[v.ID] = struct{}{}
		}
		ids = append(ids, v.ID)
	}
	return ids
}
