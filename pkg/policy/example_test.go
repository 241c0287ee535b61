package policy_test

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/subgate/subgate/pkg/policy"
)

func ExamplePolicy_DecideAt() {
	p, err := policy.Parse([]byte(`
deny:
  - "jared"
  - {id: "spammer42", until: "2026-12-01T00:00:00Z", reason: "spam wave"}
deny_file: lists/banned.txt
channels:
  "@TOA#_premium":
    allow: ["vip_*"]
`), "policy.yaml", "testdata")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, at := range []string{"2026-11-30T23:59:59Z", "2026-12-01T00:00:00Z"} {
		now, _ := time.Parse(time.RFC3339, at)
		d := p.DecideAt(now, "@TOA#_test_for_penn", "107867", []string{"jared", "spammer42", "troll", "leckie"})
		fmt.Println(at, "refused:", d.Refused)
		for _, v := range d.Subscribers {
			fmt.Printf("  %-9s refused=%-5v %s\n", v.ID, v.Refused, v.Rule)
		}
	}
	d := p.Decide("@TOA#_premium", "107867", []string{"vip_1", "leckie"})
	for _, v := range d.Subscribers {
		fmt.Printf("%-9s refused=%-5v %s\n", v.ID, v.Refused, v.Rule)
	}
	// Output:
	// 2026-11-30T23:59:59Z refused: [jared spammer42 troll]
	//   jared     refused=true  deny "jared"
	//   spammer42 refused=true  deny "spammer42" until 2026-12-01T00:00:00Z reason "spam wave"
	//   troll     refused=true  deny_file lists/banned.txt line 2 "troll"
	//   leckie    refused=false default: allow
	// 2026-12-01T00:00:00Z refused: [jared troll]
	//   jared     refused=true  deny "jared"
	//   spammer42 refused=false default: allow
	//   troll     refused=true  deny_file lists/banned.txt line 2 "troll"
	//   leckie    refused=false default: allow
	// vip_1     refused=false channels."@TOA#_premium".allow "vip_*"
	// leckie    refused=true  channels."@TOA#_premium".allow list (no match)
}

func ExampleVerdict() {
	p, err := policy.Parse([]byte(`{"mode": "shadow", "deny": ["jared"]}`), "SUBGATE_POLICY", ".")
	if err != nil {
		fmt.Println(err)
		return
	}
	d := p.Decide("@TOA#_test_for_penn", "107867", []string{"jared", "leckie"})
	out, _ := json.Marshal(map[string]any{"shadow": d.Shadow, "subscribers": d.Subscribers})
	fmt.Println(string(out))
	// Output:
	// {"shadow":true,"subscribers":[{"id":"jared","refused":true,"rule":"deny \"jared\""},{"id":"leckie","refused":false,"rule":"default: allow"}]}
}

func ExampleLoad() {
	dir, _ := os.MkdirTemp("", "policy")
	defer os.RemoveAll(dir)
	path := dir + "/policy.yaml"
	_ = os.WriteFile(path, []byte("deny: [\"jared\", \"banned_*\"]\ntrusted_operators: [administrator]\n"), 0o644)

	p, _ := policy.Load(path)
	info := p.Info()
	fmt.Println(info.Revision, info.Indexed, info.IndexIgnored, info.Counts)

	index, _ := policy.Prepare(path)
	_ = os.WriteFile(path+policy.IndexSuffix, index, 0o644)
	p, _ = policy.Load(path)
	info = p.Info()
	fmt.Println(info.Revision, info.Indexed, info.IndexIgnored, info.Counts)
	// Output:
	// 841330b2a59f false no prepared index: policy.yaml.index {1 1 0 0 1}
	// 841330b2a59f true <nil> {1 1 0 0 1}
}

func ExampleCheck() {
	r, err := policy.Check("testdata/check.yaml", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range r.Lists {
		fmt.Printf("%s %s: %d exact IDs, %d patterns, %d expired\n", l.Name, l.File, l.ExactIDs, l.Patterns, l.Expired)
	}
	fmt.Println(r.Channels, "channels,", r.TrustedOperators, "trusted operators")
	for _, w := range r.Warnings[:4] {
		fmt.Println(w)
	}
	// Output:
	// deny lists/check.txt: 7 exact IDs, 5 patterns, 2 expired
	// allow : 1 exact IDs, 2 patterns, 0 expired
	// channels."@TOA#_staff".deny : 0 exact IDs, 1 patterns, 0 expired
	// channels."@TOA#_staff".allow : 2 exact IDs, 0 patterns, 0 expired
	// channels."@TOA#_shut".deny : 1 exact IDs, 0 patterns, 0 expired
	// channels."@TOA#_shut".allow : 1 exact IDs, 0 patterns, 0 expired
	// 2 channels, 2 trusted operators
	// testdata/check.yaml:1: trusted operator "mod_1" is also denied by deny "mod_*" (testdata/check.yaml line 7): its requests are allowed in full, but it is refused as a subscriber
	// testdata/check.yaml:3: "spammer42" is already covered by the pattern "spam*" (lists/check.txt line 5): it changes nothing
	// testdata/check.yaml:4: "spammer42" is listed twice in the deny list (first at testdata/check.yaml line 3)
	// testdata/check.yaml:6: "old" expired at 2026-01-01T00:00:00Z (reason "spam wave"); it no longer applies: remove it
}
