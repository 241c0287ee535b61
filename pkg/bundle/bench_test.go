package bundle

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/workload"
)

// largeBundle is the bundle of the benchmarks' policy: a 100,000-entry deny list file plus globs.
func largeBundle(tb testing.TB) []byte {
	textPolicy, _, err := workload.WritePolicies(tb.TempDir())
	require.NoError(tb, err)
	data, err := Make(textPolicy, time.Now())
	require.NoError(tb, err)
	return data
}

// BenchmarkReadAndLoadLargeList is what a function does with a fetched bundle of a 100,000-entry
// list before it decides by it: verify the bundle (Read) and load the policy from its prepared
// index (Load).
func BenchmarkReadAndLoadLargeList(b *testing.B) {
	data := largeBundle(b)
	b.Run("Read", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Read(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ReadAndLoad", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			bundle, err := Read(data)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := bundle.Load(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestLoadReadsThePreparedIndex: loading a bundle of a 100,000-entry list reads its prepared index
// where it lies, and does not parse the list: parsing allocates at least once per entry.
func TestLoadReadsThePreparedIndex(t *testing.T) {
	bundle, err := Read(largeBundle(t))
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(3, func() {
		_, err := bundle.Load()
		require.NoError(t, err)
	})
	assert.Less(t, allocs, float64(workload.DenyEntries/100), "allocations of one Load")
}
