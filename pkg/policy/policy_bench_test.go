package policy_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/subgate/subgate/bench/workload"
	"github.com/subgate/subgate/pkg/policy"
)

// BenchmarkDecideLargeDenyList is policy matching alone: 100 subscribers against a 100,000-entry
// deny list plus 50 globs. Its allocs/op must not grow with the subscribers: only the refused
// list's backing array is allocated.
func BenchmarkDecideLargeDenyList(b *testing.B) {
	textPolicy, _, err := workload.WritePolicies(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	p, err := policy.Load(textPolicy)
	if err != nil {
		b.Fatal(err)
	}
	body, refused := workload.LargeRequest()
	var in struct {
		SubscribeAccountList []struct{ Subscriber_Account string }
	}
	if err := json.Unmarshal(body, &in); err != nil {
		b.Fatal(err)
	}
	subscribers := make([]string, len(in.SubscribeAccountList))
	for i, s := range in.SubscribeAccountList {
		subscribers[i] = s.Subscriber_Account
	}
	if got := p.Decide(workload.Channel, "107867", subscribers); len(got.Refused) != len(refused) {
		b.Fatalf("refused %d, want %d", len(got.Refused), len(refused))
	}
	b.ReportAllocs()
	for b.Loop() {
		p.Decide(workload.Channel, "107867", subscribers)
	}
}

// BenchmarkLoadLargeDenyList is the start-up cost of the same list: as a list file and inline in
// YAML, each parsed and read from its prepared index (what make package deploys).
func BenchmarkLoadLargeDenyList(b *testing.B) {
	parsed, indexed := b.TempDir(), b.TempDir()
	textPolicy, inlinePolicy, err := workload.WritePolicies(parsed)
	if err != nil {
		b.Fatal(err)
	}
	textIndexed, inlineIndexed, err := workload.WritePolicies(indexed)
	if err != nil {
		b.Fatal(err)
	}
	for _, path := range []string{textIndexed, inlineIndexed} {
		index, err := policy.Prepare(path)
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(path+policy.IndexSuffix, index, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range []struct{ name, path string }{
		{"Text", textPolicy}, {"YAML", inlinePolicy}, {"TextIndexed", textIndexed}, {"YAMLIndexed", inlineIndexed},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := policy.Load(c.path); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
