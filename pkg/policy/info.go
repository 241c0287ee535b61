package policy

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
)

// Info is what was loaded: the policy's revision, whether it came from its prepared index (and if
// not, why not), and how many entries it holds. The gate writes it in its start-up log line.
type Info struct {
	// Revision names the policy's content: the first 12 hex digits of a SHA-256 over the policy
	// file and its list files (docs/policy.md says exactly how). The same files give the same
	// revision wherever they lie; "" for AllowAll.
	Revision string
	// Indexed is true when the policy was read from its prepared index.
	Indexed bool
	// IndexIgnored says why a prepared index was not used, when Load or LoadFrom looked for one
	// and parsed the policy instead: errors.Is it ErrIndexMissing, ErrIndexDamaged, ErrIndexFormat
	// or ErrIndexStale, with the details (which file, what changed) in its text. It is nil when
	// the index was used and for a policy parsed from text (Parse, ParseFrom), which has none.
	IndexIgnored error
	// Counts are the policy's entries.
	Counts Counts
}

// Counts are how many entries a policy has. A list that applies on several channels (the global
// deny list, say) is counted once.
type Counts struct {
	ExactIDs         int // exact IDs over every deny and allow list
	Patterns         int // patterns over every deny and allow list
	Channels         int // channels the policy names
	TrustedOperators int
}

// Why a prepared index was not used (Info.IndexIgnored).
var (
	ErrIndexMissing = errors.New("no prepared index")
	ErrIndexDamaged = errors.New("the prepared index is damaged")
	ErrIndexFormat  = errors.New("the prepared index is of another format")
	ErrIndexStale   = errors.New("the prepared index is stale")
)

// Info says what was loaded.
func (p *Policy) Info() Info { return p.info }

func (p *Policy) count() Counts {
	c := Counts{Channels: len(p.channels), TrustedOperators: len(p.trusted)}
	for _, l := range p.lists {
		exact, patterns := l.size()
		c.ExactIDs += exact
		c.Patterns += patterns
	}
	return c
}

// revision is the first 12 hex digits of the SHA-256 of the policy text followed by each list file
// in the order named, each file written as the length of its name (8 bytes, big-endian), its name
// as the policy gives it (empty for the policy itself), its length (8 bytes, big-endian) and its
// bytes. Lengths keep any two different sets of files apart.
func revision(text []byte, names []string, data map[string][]byte) string {
	h := sha256.New()
	put := func(name string, content []byte) {
		h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(name))))
		h.Write([]byte(name))
		h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(content))))
		h.Write(content)
	}
	put("", text)
	for _, name := range names {
		put(name, data[name])
	}
	return hex.EncodeToString(h.Sum(nil))[:revisionLength]
}

// revisionLength is how many hex digits of the SHA-256 a revision keeps.
const revisionLength = 12
