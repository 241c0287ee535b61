package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"slices"
)

// Info is what was loaded: the policy's revision, whether it came from its prepared index (and if
// not, why not), and how many entries it holds. The gate writes it in its start-up log line.
type Info struct {
	// Revision names the policy's content: the first 12 hex digits of RevisionOf its policy file
	// and list files. The same files give the same revision wherever they lie (a folder, a bundle,
	// an index made from them); "" for AllowAll.
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

// Counts are how many entries a policy has. A list that applies on several channels or groups (the
// global deny list, say) is counted once.
//
// It marshals to JSON with the snake_case names of its fields.
type Counts struct {
	ExactIDs         int `json:"exact_ids"` // exact IDs over every deny and allow list
	Patterns         int `json:"patterns"`  // patterns over every deny and allow list
	Channels         int `json:"channels"`  // channels the policy names
	Groups           int `json:"groups"`    // groups the policy names (see Policy.DecidesGroups)
	TrustedOperators int `json:"trusted_operators"`
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

// IndexWorthEntries is the size from which a policy's prepared index matters: a policy of fewer
// entries parses in about 2 ms or less (10,000 entries of a list file took 2.1 ms on the
// development machine), a small part of a cold start, so an index it does not use is not worth
// a word at info level.
const IndexWorthEntries = 10_000

// IndexMatters reports whether the policy holds IndexWorthEntries entries or more, so that reading
// it from its prepared index rather than parsing it saves time worth telling.
func (i Info) IndexMatters() bool {
	return i.Counts.ExactIDs+i.Counts.Patterns >= IndexWorthEntries
}

func (p *Policy) count() Counts {
	c := Counts{Channels: len(p.channels), Groups: len(p.groups), TrustedOperators: len(p.trusted)}
	for _, l := range p.lists {
		exact, patterns := l.size()
		c.ExactIDs += exact
		c.Patterns += patterns
	}
	return c
}

// RevisionOf is the revision that names a policy's content, from the SHA-256 of its policy file and
// of each of its list files (by the name the policy gives it): the SHA-256, hex, of the lines
// sha256sum prints for them, "<SHA-256, hex>  <name>\n", the policy file first and named
// policy.yaml whatever its own name, then the list files by name, sorted, each once. In a folder laid
// out as make package and bundles lay it out, `sha256sum policy.yaml lists/... | sha256sum` prints
// it. Info.Revision is its first 12 digits.
func RevisionOf(policySum [sha256.Size]byte, listSums map[string][sha256.Size]byte) string {
	names := make([]string, 0, len(listSums))
	sums := make(map[string][sha256.Size]byte, len(listSums))
	for name, sum := range listSums {
		clean := path.Clean(name)
		if _, twice := sums[clean]; !twice {
			names = append(names, clean)
		}
		sums[clean] = sum
	}
	slices.Sort(names)
	h := sha256.New()
	fmt.Fprintf(h, "%x  %s\n", policySum, RevisionPolicyName)
	for _, name := range names {
		fmt.Fprintf(h, "%x  %s\n", sums[name], name)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// RevisionPolicyName is the name the policy file has in the lines its revision is the SHA-256 of.
const RevisionPolicyName = "policy.yaml"

// revision is the first revisionLength digits of the revision of text and its list files.
func revision(text []byte, names []string, data map[string][]byte) string {
	lists := make(map[string][sha256.Size]byte, len(names))
	for _, name := range names {
		lists[name] = sha256.Sum256(data[name])
	}
	return RevisionOf(sha256.Sum256(text), lists)[:revisionLength]
}

// revisionLength is how many hex digits of the SHA-256 a revision keeps.
const revisionLength = 12
