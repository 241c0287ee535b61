package policy

import (
	"strconv"
	"strings"
	"time"
)

// RuleKind is which of the policy's rules decided.
type RuleKind uint8

// The rules, in the order the policy applies them (see the package documentation).
const (
	// NoRule is the zero Rule's kind: nothing decided (Decision.Rule of a request decided
	// subscriber by subscriber).
	NoRule RuleKind = iota
	// RuleTrustedOperator: the request's operator is in trusted_operators; everyone is allowed.
	RuleTrustedOperator
	// RuleClosedChannel: the channel is closed; the request is rejected.
	RuleClosedChannel
	// RuleClosedGroup: the group is closed; the invitation or application is rejected.
	RuleClosedGroup
	// RuleMaxSubscribers: the request has more than max_subscribers subscribers; it is rejected.
	RuleMaxSubscribers
	// RuleMaxMembers: the invitation has more than max_members members; it is rejected.
	RuleMaxMembers
	// RuleEmptySubscriber: the Subscriber_Account is empty; it is refused.
	RuleEmptySubscriber
	// RuleEmptyMember: an invited Member_Account is empty; it is refused.
	RuleEmptyMember
	// RuleEmptyRequestor: the Requestor_Account of an application is empty; it is refused.
	RuleEmptyRequestor
	// RuleDeny: an entry of a deny list matches; the subscriber is refused.
	RuleDeny
	// RuleAllow: an entry of the allow list that applies matches; the subscriber is allowed.
	RuleAllow
	// RuleAllowNoMatch: an allow list applies and nothing in it matches; the subscriber is refused.
	RuleAllowNoMatch
	// RuleDefault: no list decided; the default (allow or refuse) did.
	RuleDefault
)

// Rule is the rule that made a decision. It is a small value that holds where the rule is, not its
// words: String writes them only when asked, so deciding costs no text.
//
// The zero Rule is NoRule. Rules of the same policy decided the same way are equal (==), and a
// policy read from its prepared index gives rules equal (reflect.DeepEqual) to the parsed one's.
type Rule struct {
	kind  RuleKind
	entry uint32       // RuleDeny, RuleAllow: the list's entry that matched
	list  *list        // RuleDeny, RuleAllow, RuleAllowNoMatch
	def   *defaultRule // RuleDefault
}

// defaultRule is a default: allow or refuse, where the policy sets it.
type defaultRule struct {
	owner owner
	allow bool
}

// Kind is which rule decided.
func (r Rule) Kind() RuleKind { return r.kind }

// Refuses reports whether the rule refuses the subscriber (or rejects the request).
func (r Rule) Refuses() bool {
	switch r.kind {
	case RuleClosedChannel, RuleClosedGroup, RuleMaxSubscribers, RuleMaxMembers,
		RuleEmptySubscriber, RuleEmptyMember, RuleEmptyRequestor, RuleDeny, RuleAllowNoMatch:
		return true
	case RuleDefault:
		return !r.def.allow
	}
	return false
}

// Entry is the list entry that matched (an exact ID or a pattern) for RuleDeny and RuleAllow, and
// "" for the other rules.
func (r Rule) Entry() string {
	if r.list == nil || r.kind == RuleAllowNoMatch {
		return ""
	}
	return r.list.entry(r.entry).text
}

// Reason is the reason the matching list entry gives ("" when none, or for a rule that is not an
// entry).
func (r Rule) Reason() string {
	if r.list == nil || r.kind == RuleAllowNoMatch {
		return ""
	}
	return r.list.entry(r.entry).reason
}

// Until is when the matching list entry stops applying; false when it does not expire (or the rule
// is not an entry).
func (r Rule) Until() (time.Time, bool) {
	if r.list == nil || r.kind == RuleAllowNoMatch {
		return time.Time{}, false
	}
	until := r.list.entry(r.entry).until
	if until == forever {
		return time.Time{}, false
	}
	return time.Unix(until, 0).UTC(), true
}

// String is the rule in the words a moderator reads:
//
//	trusted operator
//	closed channel
//	closed group
//	max_subscribers
//	max_members
//	empty Subscriber_Account
//	empty Member_Account
//	empty Requestor_Account
//	deny "spammer42"
//	channels."@TOA#_news".deny "bot_*"
//	groups."@TGS#_team".deny "bot_*"
//	deny_file lists/banned.txt line 17 "jared"
//	deny "spammer42" until 2026-12-01T00:00:00Z reason "spam wave"
//	allow "vip_*"
//	allow list (no match)
//	channels."@TOA#_premium".allow list (no match)
//	default: refuse
//	channels."@TOA#_news".default: allow
//	groups."@TGS#_team".default: refuse
//
// The zero Rule is "".
func (r Rule) String() string {
	switch r.kind {
	case RuleTrustedOperator:
		return "trusted operator"
	case RuleClosedChannel:
		return "closed channel"
	case RuleClosedGroup:
		return "closed group"
	case RuleMaxSubscribers:
		return "max_subscribers"
	case RuleMaxMembers:
		return "max_members"
	case RuleEmptySubscriber:
		return "empty Subscriber_Account"
	case RuleEmptyMember:
		return "empty Member_Account"
	case RuleEmptyRequestor:
		return "empty Requestor_Account"
	case RuleAllowNoMatch:
		return r.list.name() + " list (no match)"
	case RuleDefault:
		if r.def.allow {
			return r.def.owner.path("default") + ": allow"
		}
		return r.def.owner.path("default") + ": refuse"
	case RuleDeny, RuleAllow:
		return r.list.describe(r.list.entry(r.entry), true)
	}
	return ""
}

// StringWithoutID is String without the user ID an exact entry holds, for logs that may not carry
// user IDs: a rule that matched an exact ID names where it is listed and not the ID
// (`deny_file lists/banned.txt line 17`, `deny (an exact ID)`); a pattern is not a user's ID and
// stays, as do the other rules' words.
func (r Rule) StringWithoutID() string {
	if r.kind == RuleDeny || r.kind == RuleAllow {
		e := r.list.entry(r.entry)
		return r.list.describe(e, isPattern(e.text))
	}
	return r.String()
}

// MarshalText writes the rule's String, so JSON and log lines show its words.
func (r Rule) MarshalText() ([]byte, error) {
	return []byte(r.String()), nil
}

// describe writes an entry of l as a rule: where it is, the entry (unless withEntry is false), and
// its expiry and reason.
func (l *list) describe(e entryInfo, withEntry bool) string {
	var b strings.Builder
	if e.inline {
		b.WriteString(l.name())
	} else {
		b.WriteString(l.fileKey())
		b.WriteString(" ")
		b.WriteString(l.file)
		b.WriteString(" line ")
		b.WriteString(strconv.Itoa(e.line))
	}
	switch {
	case withEntry:
		b.WriteString(" ")
		b.WriteString(strconv.Quote(e.text))
	case e.inline:
		b.WriteString(" (an exact ID)")
	}
	if e.until != forever {
		b.WriteString(" until ")
		b.WriteString(time.Unix(e.until, 0).UTC().Format(time.RFC3339))
	}
	if e.reason != "" {
		b.WriteString(" reason ")
		b.WriteString(strconv.Quote(e.reason))
	}
	return b.String()
}

// Verdict is the decision about one subscriber of a request (or one member of a group request).
type Verdict struct {
	// ID is the subscriber's Subscriber_Account (the member's Member_Account, the applicant's
	// Requestor_Account).
	ID string `json:"id"`
	// Refused is true when the subscriber may not subscribe (the member may not join): refused, or
	// in a rejected request.
	Refused bool `json:"refused"`
	// Rule is the rule that decided.
	Rule Rule `json:"rule"`
}
