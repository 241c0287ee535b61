package bundle_test

import (
	"fmt"
	"time"

	"github.com/subgate/subgate/pkg/bundle"
)

// A bundle is made from a policy file (as `subgate bundle` does), fetched as bytes, verified as a
// whole by Read, and loaded.
func Example() {
	data, err := bundle.Make("testdata/policy.yaml", time.Date(2026, 11, 26, 10, 30, 0, 0, time.UTC))
	if err != nil {
		fmt.Println(err)
		return
	}
	b, err := bundle.Read(data)
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := b.Load()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("revision", b.Revision()[:12], "made", b.Created().Format(time.RFC3339))
	fmt.Println("refused:", p.Decide("@TOA#_news", "107867", []string{"bot_7", "reader"}).Refused)

	_, err = bundle.Read(data[:len(data)/2])
	fmt.Println(err)
	// Output:
	// revision b2f55f68aa83 made 2026-11-26T10:30:00Z
	// refused: [bot_7]
	// damaged policy bundle: it does not end with a zip directory (truncated, or bytes added after it)
}
