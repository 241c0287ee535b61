package policy

import (
	"fmt"
	"strings"
)

// The modes a policy or a channel may be in (mode:), in the words the policy writes them. In
// shadow mode the rules decide as ever, but the answer lets everyone through and the log says what
// the rules would have done.
const (
	ModeEnforce = "enforce"
	ModeShadow  = "shadow"
)

// Mode is how a policy's decisions apply: its own mode (the top-level mode:), which every channel
// and group without a mode of its own decides by, and how many channels and groups are in the
// other one.
type Mode struct {
	// Shadow is true when the policy's own mode is shadow.
	Shadow bool
	// Others counts the channels whose mode is not the policy's own; OtherGroups the groups'.
	Others      int
	OtherGroups int
}

// Mode says how the policy's decisions apply. AllowAll enforces (it refuses nobody either way).
func (p *Policy) Mode() Mode {
	m := Mode{Shadow: p.global.shadow}
	for _, c := range p.channels {
		if c.shadow != p.global.shadow {
			m.Others++
		}
	}
	for _, g := range p.groups {
		if g.shadow != p.global.shadow {
			m.OtherGroups++
		}
	}
	return m
}

// String is the mode in the words subgate check, the start-up log line and the docs use: "enforce"
// or "shadow", then the channels and groups in the other mode, if any: "enforce (shadow on 2
// channels)", "shadow (enforce on 1 channel and 1 group)".
func (m Mode) String() string {
	own, other := ModeEnforce, ModeShadow
	if m.Shadow {
		own, other = other, own
	}
	var on []string
	if m.Others > 0 {
		on = append(on, fmt.Sprintf("%d %s", m.Others, plural(m.Others, "channel", "channels")))
	}
	if m.OtherGroups > 0 {
		on = append(on, fmt.Sprintf("%d %s", m.OtherGroups, plural(m.OtherGroups, "group", "groups")))
	}
	if len(on) == 0 {
		return own
	}
	return fmt.Sprintf("%s (%s on %s)", own, other, strings.Join(on, " and "))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// AnyShadow reports whether any of the policy's decisions are in shadow mode: its own, a channel's
// or a group's.
func (m Mode) AnyShadow() bool { return m.Shadow || m.Others > 0 || m.OtherGroups > 0 }
