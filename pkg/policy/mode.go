package policy

import "fmt"

// The modes a policy or a channel may be in (mode:), in the words the policy writes them. In
// shadow mode the rules decide as ever, but the answer lets everyone through and the log says what
// the rules would have done.
const (
	ModeEnforce = "enforce"
	ModeShadow  = "shadow"
)

// Mode is how a policy's decisions apply: its own mode (the top-level mode:), which every channel
// without a mode of its own decides by, and how many channels are in the other one.
type Mode struct {
	// Shadow is true when the policy's own mode is shadow.
	Shadow bool
	// Others counts the channels whose mode is not the policy's own.
	Others int
}

// Mode says how the policy's decisions apply. AllowAll enforces (it refuses nobody either way).
func (p *Policy) Mode() Mode {
	m := Mode{Shadow: p.global.shadow}
	for _, c := range p.channels {
		if c.shadow != p.global.shadow {
			m.Others++
		}
	}
	return m
}

// String is the mode in the words subgate check, the start-up log line and the docs use: "enforce"
// or "shadow", then the channels in the other mode, if any: "enforce (shadow on 2 channels)",
// "shadow (enforce on 1 channel)".
func (m Mode) String() string {
	own, other := ModeEnforce, ModeShadow
	if m.Shadow {
		own, other = other, own
	}
	if m.Others == 0 {
		return own
	}
	channels := "channels"
	if m.Others == 1 {
		channels = "channel"
	}
	return fmt.Sprintf("%s (%s on %d %s)", own, other, m.Others, channels)
}

// AnyShadow reports whether any of the policy's decisions are in shadow mode: its own, or a
// channel's.
func (m Mode) AnyShadow() bool { return m.Shadow || m.Others > 0 }
