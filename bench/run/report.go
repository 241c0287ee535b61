package main

import (
	"fmt"
	"io"
	"time"
)

func writeWarm(w io.Writer, rows []*warmRow) {
	fmt.Fprintf(w, "\n## Warm path (Go benchmarks: medians over the rounds; the ratio is the median of each round's ratio)\n\n")
	fmt.Fprintf(w, "| path | ns/op | B/op | allocs/op | floor ns/op | floor allocs/op | ratio to floor |\n|---|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		if r.isFloor {
			continue
		}
		if r.floor == nil {
			fmt.Fprintf(w, "| %s | %.0f | %.0f | %.0f | | | |\n", r.name, r.nsPerOp, r.bytes, r.allocs)
			continue
		}
		fmt.Fprintf(w, "| %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.2f× |\n",
			r.name, r.nsPerOp, r.bytes, r.allocs, r.floor.nsPerOp, r.floor.allocs, r.ratio)
	}
}

func writeSizes(w io.Writer, fx *fixtures) {
	fmt.Fprintf(w, "\n## Sizes\n\n| file | bytes | MiB |\n|---|---:|---:|\n")
	for _, s := range fx.sizes {
		fmt.Fprintf(w, "| %s | %d | %.2f |\n", s.what, s.bytes, float64(s.bytes)/(1<<20))
	}
}

func writeCold(w io.Writer, rows []*coldCase) {
	fmt.Fprintf(w, "\n## Cold start: process start to first answer (median of %d starts)\n\n", len(rows[0].millis))
	fmt.Fprintf(w, "| platform | function | median ms | min ms | max ms | ratio to hello world |\n|---|---|---:|---:|---:|---:|\n")
	var hello float64
	for _, c := range rows {
		if c.hello {
			hello = c.median()
		}
		lo, hi := c.millis[0], c.millis[0]
		for _, m := range c.millis {
			lo, hi = min(lo, m), max(hi, m)
		}
		fmt.Fprintf(w, "| %s | %s | %.2f | %.2f | %.2f | %.2f× |\n", c.platform, c.name, c.median(), lo, hi, c.median()/hello)
	}
}

func writeRSS(w io.Writer, rows []rssRow, n int) {
	fmt.Fprintf(w, "\n## Peak RSS of the function process after %d invocations (100 subscribers each)\n\n", n)
	fmt.Fprintf(w, "| platform | function | peak RSS MiB |\n|---|---|---:|\n")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %s | %.1f |\n", r.platform, r.name, float64(r.bytes)/(1<<20))
	}
}

func writeLoad(w io.Writer, rows []loadRow, conc int) {
	fmt.Fprintf(w, "\n## HTTP server (functions/http) on loopback, %d connections, load generator on the same machine\n\n", conc)
	fmt.Fprintf(w, "| case | requests | req/s | p50 ms | p99 ms | max ms | errors |\n|---|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %d | %.0f | %.3f | %.3f | %.3f | %d |\n", r.name, r.requests, r.perSecond, ms(r.p50), ms(r.p99), ms(r.max), r.errors)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
