package policy

import "fmt"

// ChannelPrefix starts every Official Channel ID.
const ChannelPrefix = "@TOA#_"

// Policy is a loaded policy, ready to decide. It is safe for concurrent use.
type Policy struct {
	trusted        map[string]struct{}
	maxSubscribers int
	global         rules
	channels       map[string]*channel
	files          []string // list files, as the policy names them
}

// Files are the list files the policy reads (deny_file, allow_file), as it names them.
func (p *Policy) Files() []string { return p.files }

// rules decide single subscribers on one channel.
type rules struct {
	deny         []*IDSet // every deny list that applies: the global one, then the channel's
	allow        *IDSet   // the allow list that applies, nil when none
	defaultAllow bool
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
	// Reason says why, when Rejected.
	Reason string
	// Refused lists the refused subscribers, each once, in request order.
	Refused []string
	// Trusted is true when the operator is trusted and no rule was applied.
	Trusted bool
}

// AllowAll is the policy used when none is configured: everyone may subscribe.
func AllowAll() *Policy {
	return &Policy{global: rules{defaultAllow: true}}
}

// Decide applies the policy to a request by operator to add subscribers to the Official Channel ch.
func (p *Policy) Decide(ch, operator string, subscribers []string) Decision {
	if _, ok := p.trusted[operator]; ok {
		return Decision{Trusted: true}
	}
	r := &p.global
	if c, ok := p.channels[ch]; ok {
		if c.closed {
			return Decision{Rejected: true, Reason: c.reason}
		}
		r = &c.rules
	}
	if p.maxSubscribers > 0 && len(subscribers) > p.maxSubscribers {
		return Decision{Rejected: true, Reason: fmt.Sprintf(
			"request has %d subscribers; this app accepts at most %d per request", len(subscribers), p.maxSubscribers)}
	}
	var refused refusedList
	for _, id := range subscribers {
		if !r.allows(id) {
			refused.add(id)
		}
	}
	return Decision{Refused: refused.ids}
}

func (r *rules) allows(id string) bool {
	if id == "" {
		return false
	}
	for _, deny := range r.deny {
		if deny.Match(id) {
			return false
		}
	}
	if r.allow != nil {
		return r.allow.Match(id)
	}
	return r.defaultAllow
}

// refusedList collects refused IDs once each, in order. Short lists (a REST call carries at most
// 100 subscribers) are scanned; a set takes over when the list grows, so a huge request stays linear.
type refusedList struct {
	ids  []string
	seen map[string]struct{}
}

const refusedScanLimit = 32

func (l *refusedList) add(id string) {
	if l.seen == nil {
		for _, s := range l.ids {
			if s == id {
				return
			}
		}
		if len(l.ids) == refusedScanLimit {
			l.seen = make(map[string]struct{}, 2*refusedScanLimit)
			for _, s := range l.ids {
				l.seen[s] = struct{}{}
			}
		}
	}
	if l.seen != nil {
		if _, ok := l.seen[id]; ok {
			return
		}
		l.seen[id] = struct{}{}
	}
	l.ids = append(l.ids, id)
}
