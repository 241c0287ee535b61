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
	maxMembers     int
	global         rules
	channels       map[string]*target
	groups         map[string]*target // the groups with rules of their own
	decidesGroups  bool               // the policy has a groups key (see DecidesGroups)
	files          []string           // list files, as the policy names them, each once
	lists          []*list            // every distinct list, in the order the policy names them
	info           Info
}

// Files are the list files the policy reads (deny_file, allow_file), as it names them, each once.
func (p *Policy) Files() []string { return p.files }

// DecidesGroups reports whether the policy decides the group webhooks: whether it has a groups key,
// even an empty one. A policy without one leaves them to the app (the gate lets them go on, or
// relays them, as it does every command it does not decide).
func (p *Policy) DecidesGroups() bool { return p.decidesGroups }

// rules decide single users on one channel or group.
type rules struct {
	deny   []*list // every deny list that applies: the global one, then the channel's or group's
	allow  *list   // the allow list that applies, nil when none
	def    *defaultRule
	shadow bool
}

// target is the rules of a channel or a group that the policy names.
type target struct {
	rules
	closed bool
	reason string
}

// Decision is what the policy says about one request: a subscription to a channel, or an
// invitation or application to join a group. For a group request, "subscribers" below are the
// request's members: the invited users, or the one applicant.
type Decision struct {
	// Rejected is true when the whole request is rejected (closed channel or group, too many
	// subscribers or members).
	Rejected bool
	// Reason says why, when Rejected: the answer's ErrorInfo.
	Reason string
	// Refused lists the refused subscribers, each once, in request order: the answer's
	// RefusedSubscribers_Account (RefusedMembers_Account). It is empty when the request is
	// rejected or trusted.
	Refused []string
	// Trusted is true when the operator is trusted and no rule was applied.
	Trusted bool
	// Shadow is true when the channel's (group's) rules are in shadow mode (mode: shadow): the
	// decision is what the policy would do, and the gate lets everyone through and logs it instead.
	Shadow bool
	// Rule is the rule that decided the whole request: RuleTrustedOperator, RuleClosedChannel,
	// RuleClosedGroup, RuleMaxSubscribers or RuleMaxMembers; NoRule when each subscriber was
	// decided on its own.
	Rule Rule
	// Subscribers has the verdict on each subscriber (member) of the request, in request order
	// (repeated IDs too). In a rejected request every one is Refused, by the request's Rule.
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
	return p.decide(now, p.channels, ch, operator, subscribers, &subscription)
}

// DecideGroupAt applies the policy as it stands at the time now to an invitation by operator of
// members into group: as DecideAt decides a subscription, by the group's rules (the top-level ones
// for a group the policy does not name), with closed group, max_members and empty Member_Account
// for closed channel, max_subscribers and empty Subscriber_Account. The Decision's Subscribers are
// the members. A policy that does not decide groups (DecidesGroups) decides by its top-level rules.
func (p *Policy) DecideGroupAt(now time.Time, group, operator string, members []string) Decision {
	return p.decide(now, p.groups, group, operator, members, &invitation)
}

// DecideApplicationAt applies the policy as it stands at the time now to requestor's application to
// join group: as an invitation of the one member requestor by no operator (trusted operators do not
// apply: the applicant asks for itself), an empty requestor refused as empty Requestor_Account. The
// application may go on only when the decision is neither Rejected nor refuses the requestor.
func (p *Policy) DecideApplicationAt(now time.Time, group, requestor string) Decision {
	return p.decide(now, p.groups, group, "", []string{requestor}, &application)
}

// requestKind is what tells the kinds of request apart: the rules that reject the whole request
// and refuse an empty ID, and the limit on its size.
type requestKind struct {
	closed, max, empty RuleKind
	group              bool // a group request: max_members limits it, not max_subscribers
}

var (
	subscription = requestKind{closed: RuleClosedChannel, max: RuleMaxSubscribers, empty: RuleEmptySubscriber}
	invitation   = requestKind{closed: RuleClosedGroup, max: RuleMaxMembers, empty: RuleEmptyMember, group: true}
	application  = requestKind{closed: RuleClosedGroup, max: RuleMaxMembers, empty: RuleEmptyRequestor, group: true}
)

// decide applies the policy to a request of kind k by operator to add users to id, one of targets
// (or any other, decided by the top-level rules).
func (p *Policy) decide(now time.Time, targets map[string]*target, id, operator string, users []string, k *requestKind) Decision {
	r := &p.global
	t, listed := targets[id]
	if listed {
		r = &t.rules
	}
	d := Decision{Shadow: r.shadow}
	if _, ok := p.trusted[operator]; ok {
		d.Trusted, d.Rule = true, Rule{kind: RuleTrustedOperator}
		return d.all(users, false)
	}
	if listed && t.closed {
		d.Rejected, d.Reason, d.Rule = true, t.reason, Rule{kind: k.closed}
		return d.all(users, true)
	}
	limit, noun := p.maxSubscribers, "subscribers"
	if k.group {
		limit, noun = p.maxMembers, "members"
	}
	if limit > 0 && len(users) > limit {
		d.Rejected, d.Rule = true, Rule{kind: k.max}
		d.Reason = fmt.Sprintf("request has %d %s; this app accepts at most %d per request", len(users), noun, limit)
		return d.all(users, true)
	}
	if len(users) == 0 {
		return d
	}
	at := now.Unix()
	d.Subscribers = make([]Verdict, len(users))
	refused := 0
	for i, id := range users {
		rule := r.decide(id, at, k.empty)
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

// decide is the rule that decides the user id at the time at (Unix seconds); empty is the rule
// that refuses an empty ID.
func (r *rules) decide(id string, at int64, empty RuleKind) Rule {
	if id == "" {
		return Rule{kind: empty}
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
