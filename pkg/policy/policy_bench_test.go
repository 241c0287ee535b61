package policy_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/subgate/subgate/internal/workload"
	"github.com/subgate/subgate/pkg/policy"
)

// largeRequest is the workload's 100 subscribers, some of them on its deny list.
func largeRequest(b *testing.B) (subscribers, refused []string) {
	body, refused := workload.LargeRequest()
	var in struct {
		SubscribeAccountList []struct{ Subscriber_Account string }
	}
	if err := json.Unmarshal(body, &in); err != nil {
		b.Fatal(err)
	}
	for _, s := range in.SubscribeAccountList {
		subscribers = append(subscribers, s.Subscriber_Account)
	}
	return subscribers, refused
}

// BenchmarkDecideLargeDenyList is policy matching alone: 100 subscribers against a 100,000-entry
// deny list plus 50 globs, from the list file (parsed) and from its prepared index. Deciding
// attributes each subscriber to its rule as a small value and allocates two slices (the verdicts
// and the refused IDs) whatever the number of subscribers; RuleText adds what a log line that
// names every refused subscriber's rule costs: the words, written only then.
func BenchmarkDecideLargeDenyList(b *testing.B) {
	dir := b.TempDir()
	textPolicy, _, err := workload.WritePolicies(dir)
	if err != nil {
		b.Fatal(err)
	}
	parsed, err := policy.Load(textPolicy)
	if err != nil {
		b.Fatal(err)
	}
	index, err := policy.Prepare(textPolicy)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(textPolicy+policy.IndexSuffix, index, 0o644); err != nil {
		b.Fatal(err)
	}
	indexed, err := policy.Load(textPolicy)
	if err != nil || !indexed.Info().Indexed {
		b.Fatal(err, indexed.Info().IndexIgnored)
	}
	subscribers, refused := largeRequest(b)
	now := time.Now()
	for _, p := range []struct {
		name   string
		policy *policy.Policy
	}{{"Parsed", parsed}, {"Indexed", indexed}} {
		if got := p.policy.DecideAt(now, workload.Channel, "107867", subscribers); len(got.Refused) != len(refused) {
			b.Fatalf("refused %d, want %d", len(got.Refused), len(refused))
		}
		b.Run(p.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p.policy.DecideAt(now, workload.Channel, "107867", subscribers)
			}
		})
		b.Run(p.name+"RuleText", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				d := p.policy.DecideAt(now, workload.Channel, "107867", subscribers)
				for _, v := range d.Subscribers {
					if v.Refused {
						_ = v.Rule.String()
					}
				}
			}
		})
	}
}

// BenchmarkDecideExpiringEntries is the cost of expiries: 100 subscribers, each on a
// 100,000-entry deny list, where no entry expires (Plain), every entry has an until still to come
// (Expiring) or already past (Expired, so each falls through to the default). Finding that a
// matching entry applies costs one comparison more when it has an until.
func BenchmarkDecideExpiringEntries(b *testing.B) {
	const entries = 100_000
	subscribers := make([]string, 100)
	for i := range subscribers {
		subscribers[i] = fmt.Sprintf("banned%06d", i*(entries/len(subscribers)))
	}
	for _, c := range []struct {
		name, annotation string
	}{
		{"Plain", ""},
		{"Expiring", "#@ until=2100-01-01T00:00:00Z reason=\"spam wave\"\n"},
		{"Expired", "#@ until=2000-01-01T00:00:00Z reason=\"spam wave\"\n"},
	} {
		var list strings.Builder
		for i := range entries {
			list.WriteString(c.annotation)
			fmt.Fprintf(&list, "banned%06d\n", i)
		}
		p := loadIndexed(b, "deny_file: deny.txt\n", list.String())
		now := time.Now()
		want := len(subscribers)
		if c.name == "Expired" {
			want = 0
		}
		if got := p.DecideAt(now, workload.Channel, "op", subscribers); len(got.Refused) != want {
			b.Fatalf("refused %d, want %d", len(got.Refused), want)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p.DecideAt(now, workload.Channel, "op", subscribers)
			}
		})
	}
}

// loadIndexed writes a policy and its list file deny.txt into a fresh folder, prepares its index
// and loads it from the index.
func loadIndexed(b *testing.B, policyText, list string) *policy.Policy {
	b.Helper()
	dir := b.TempDir()
	path := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(filepath.Join(dir, "deny.txt"), []byte(list), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(policyText), 0o644); err != nil {
		b.Fatal(err)
	}
	index, err := policy.Prepare(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path+policy.IndexSuffix, index, 0o644); err != nil {
		b.Fatal(err)
	}
	p, err := policy.Load(path)
	if err != nil || !p.Info().Indexed {
		b.Fatal(err, p.Info().IndexIgnored)
	}
	return p
}

// BenchmarkLoadLargeDenyList is the start-up cost of the workload's list: as a list file and
// inline in YAML, each parsed and read from its prepared index (what make package deploys).
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

// writeMillion writes a policy whose deny_file is the workload's 1,000,000-entry list (29 MB), with a channel allow
// list and a trusted operator for Check to look at, and returns its path.
func writeMillion(b *testing.B) string {
	b.Helper()
	dir := b.TempDir()
	path := filepath.Join(dir, "policy.yaml")
	text := "trusted_operators: [administrator]\ndeny: [\"spammer42\"]\ndeny_file: deny.txt\nchannels:\n  \"@TOA#_vip\":\n    allow: [\"vip_*\", \"guest\"]\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "deny.txt"), []byte(workload.MillionList()), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkCheckMillionEntries is subgate check on a policy whose deny list has 1,000,000 entries:
// parsing it and every check. The goal is under a second.
func BenchmarkCheckMillionEntries(b *testing.B) {
	path := writeMillion(b)
	now := time.Now()
	r, err := policy.Check(path, now)
	if err != nil {
		b.Fatal(err)
	}
	if r.Lists[0].ExactIDs != 1_000_001 {
		b.Fatalf("%d exact IDs", r.Lists[0].ExactIDs)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := policy.Check(path, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMillionEntries is the 1,000,000-entry list deployed: Prepare (make package), the size
// of its index and of the zip of the list and its index (reported as index-MB and zip-MB), and a
// start from the index (Load) on a writable folder, which reads the files onto the heap, checks
// their checksums and slices them (LoadIndexed).
func BenchmarkMillionEntries(b *testing.B) {
	path := writeMillion(b)
	index, err := policy.Prepare(path) // here too: -bench may select LoadIndexed alone
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Prepare", func(b *testing.B) {
		for b.Loop() {
			if _, err := policy.Prepare(path); err != nil {
				b.Fatal(err)
			}
		}
		list, err := os.ReadFile(filepath.Join(filepath.Dir(path), "deny.txt"))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(list))/1e6, "list-MB")
		b.ReportMetric(float64(len(index))/1e6, "index-MB")
		b.ReportMetric(float64(zipped(b, list, index))/1e6, "zip-MB")
		b.ReportMetric(float64(zipped(b, list, nil))/1e6, "zip-list-alone-MB")
	})
	if err := os.WriteFile(path+policy.IndexSuffix, index, 0o644); err != nil {
		b.Fatal(err)
	}
	b.Run("LoadIndexed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if p, err := policy.Load(path); err != nil || !p.Info().Indexed {
				b.Fatal(err, p.Info().IndexIgnored)
			}
		}
	})
}

// zipped is the size of a zip (deflate, as deploy/pack writes it) holding the list and the index
// (none when nil).
func zipped(b *testing.B, list, index []byte) int {
	var out bytes.Buffer
	w := zip.NewWriter(&out)
	files := map[string][]byte{"deny.txt": list}
	if index != nil {
		files["policy.yaml.index"] = index
	}
	for name, data := range files {
		f, err := w.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.Write(data); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	return out.Len()
}
