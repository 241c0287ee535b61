package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// The warm goals: what subgate adds over the hello world invoked with the same event.
const (
	addedP50Goal = 500 * time.Microsecond
	addedP99Goal = 1000 * time.Microsecond
)

// results is everything one run measured.
type results struct {
	machine     string
	settings    string // the flags of the run
	sizes       []sizeRow
	notReadOnly string // why the functions ran from a writable folder ("" when from a read-only mount)
	bundleBytes int
	// millionBundleBytes is the size of the 1,000,000-entry bundle the live part swaps.
	millionBundleBytes int
	cold               []*coldCase
	warm               []*warmCase
	live               []*liveRun
	swaps              []*swapRun
	worst              []*worstCase
	gobench            []*goBench
	took               time.Duration
}

// goalRow is one goal's line: what, the figure, and met or missed by how much.
type goalRow struct{ what, figure, verdict string }

func (r *results) write(w io.Writer) {
	fmt.Fprintf(w, "# subgate benchmark results\n\nMachine: %s\n\nRun: `go run ./bench/run %s` (make bench).\n", r.machine, r.settings)
	fmt.Fprintf(w, "\n## Goals\n\n| goal | figure | verdict |\n|---|---|---|\n")
	for _, g := range r.goals() {
		fmt.Fprintf(w, "| %s | %s | %s |\n", g.what, g.figure, g.verdict)
	}
	r.writeWarm(w)
	r.writeCold(w)
	r.writeRSS(w)
	r.writeSizes(w)
	r.writeLive(w)
	r.writeWorst(w)
	r.writeGo(w)
	fmt.Fprintf(w, "\nThe whole run took %s.\n", r.took.Round(time.Second))
}

func (r *results) goals() []goalRow {
	var rows []goalRow
	for _, c := range r.warm {
		if c.goal {
			row := warmGoal(fmt.Sprintf("warm, %s: %s adds < 0.5 ms p50, < 1 ms p99", c.platform.name, strings.TrimPrefix(c.label, "subgate, ")), c)
			if on := c.metricsOn; on != nil {
				row.figure += fmt.Sprintf("; the metrics (EMF) add p50 %+.0f µs, p99 %+.0f µs", us(on.quantile(0.5)-c.quantile(0.5)), us(on.quantile(0.99)-c.quantile(0.99)))
			}
			rows = append(rows, row)
		}
	}
	for _, c := range r.cold {
		if c.goal == 0 {
			continue
		}
		figure := fmt.Sprintf("%.2f× (%.2f ms vs %.2f ms)", c.ratio(), ms(c.median()), ms(c.hello.median()))
		if r.notReadOnly != "" {
			figure += ", **from a writable folder**, not a read-only one as on the clouds"
		}
		verdict := "met"
		if c.ratio() > c.goal {
			over := c.median() - time.Duration(c.goal*float64(c.hello.median()))
			verdict = fmt.Sprintf("**missed** by %.2f× (%.2f ms)", c.ratio()-c.goal, ms(over))
		}
		rows = append(rows, goalRow{fmt.Sprintf("cold start, %s, %s: ≤ %.1f× hello world", c.platform.name, c.d.name, c.goal), figure, verdict})
	}
	for _, c := range r.warm {
		if c.rssLimit == 0 {
			continue
		}
		verdict := "met"
		if c.rss >= c.rssLimit {
			verdict = fmt.Sprintf("**missed** by %.1f MB", mb(c.rss-c.rssLimit))
		}
		rows = append(rows, goalRow{fmt.Sprintf("peak RSS, %s, %s: < %.0f MB", c.platform.name, c.d.name, mb(c.rssLimit)),
			fmt.Sprintf("%.1f MB (hello world %.1f MB)", mb(c.rss), mb(c.hello.rss)), verdict})
	}
	for _, s := range r.sizes {
		if s.limit == 0 {
			continue
		}
		verdict := "met"
		if s.bytes >= s.limit {
			verdict = fmt.Sprintf("**missed** by %.1f MB", mb(s.bytes-s.limit))
		}
		rows = append(rows, goalRow{fmt.Sprintf("%s: < %.0f MB (Lambda's direct upload)", s.what, mb(s.limit)), fmt.Sprintf("%.1f MB", mb(s.bytes)), verdict})
	}
	for _, l := range r.live {
		fresh := warmGoal(fmt.Sprintf("live policy, warm, %s, refresh on: adds < 0.5 ms p50, < 1 ms p99", l.platform.name), l.fresh)
		fresh.figure += fmt.Sprintf("; the file: %s; %d bundles swapped in", quantiles(l.file), l.freshSwaps-1)
		if l.freshSwaps < 2 {
			fresh.verdict = "**not shown**: no bundle was swapped in while it ran"
		}
		stalled := warmGoal(fmt.Sprintf("live policy, warm, %s, store stalled %s: adds < 0.5 ms p50, < 1 ms p99", l.platform.name, stallFor), l.stal)
		stalled.figure += fmt.Sprintf("; vs the file: p50 %+.0f µs, p99 %+.0f µs; %d refreshes failed on the stall",
			us(l.stal.quantile(0.5)-l.file.quantile(0.5)), us(l.stal.quantile(0.99)-l.file.quantile(0.99)), l.stalledFailures)
		if l.stalledFailures == 0 {
			stalled.verdict = "**not shown**: no refresh met the stall"
		}
		rows = append(rows, fresh, stalled)
	}
	for _, sw := range r.swaps {
		// The platforms' MB are MiB: a 160 MB function has 160 × 2^20 bytes.
		limit := int64(sw.platform.memoryMB) << 20
		verdict := "met"
		if sw.rss >= limit {
			verdict = fmt.Sprintf("**missed** by %.1f MiB", mib(sw.rss-limit))
		}
		rows = append(rows, goalRow{fmt.Sprintf("peak RSS, %s, swapping a 1,000,000-entry bundle for another: under the function's memory (%d MB)", sw.platform.name, sw.platform.memoryMB),
			fmt.Sprintf("%.1f MiB (%d swaps); the bundle %.1f MiB, and by default the cap at %d MB is %.1f MiB", mib(sw.rss), sw.swaps,
				mib(int64(r.millionBundleBytes)), sw.platform.memoryMB, mib(sw.defaultMaxBytes)), verdict})
	}
	return append(rows, r.worstGoals()...)
}

func warmGoal(what string, c *warmCase) goalRow {
	p50, p99 := c.added(0.5), c.added(0.99)
	var missed []string
	if p50 >= addedP50Goal {
		missed = append(missed, fmt.Sprintf("p50 by %.0f µs", us(p50-addedP50Goal)))
	}
	if p99 >= addedP99Goal {
		missed = append(missed, fmt.Sprintf("p99 by %.0f µs", us(p99-addedP99Goal)))
	}
	verdict := "met"
	if len(missed) > 0 {
		verdict = "**missed**: " + strings.Join(missed, ", ")
	}
	return goalRow{what, fmt.Sprintf("p50 %+.0f µs, p99 %+.0f µs (%s; hello world %s)", us(p50), us(p99), quantiles(c), quantiles(c.hello)), verdict}
}

func quantiles(c *warmCase) string {
	return fmt.Sprintf("%.0f / %.0f µs", us(c.quantile(0.5)), us(c.quantile(0.99)))
}

func (r *results) writeWarm(w io.Writer) {
	if len(r.warm) == 0 {
		return
	}
	fmt.Fprintf(w, "\n## Warm invocations at the function boundary\n\n")
	fmt.Fprintf(w, "Each function invoked in turns with the others of its platform, %d times after its first (cold) invocation; the time is the invocation's round trip through the platform's protocol, from this process.\n\n", len(r.warm[0].lat))
	fmt.Fprintf(w, "| platform | function and request | p50 µs | p90 µs | p99 µs | max µs | added p50 µs | added p99 µs |\n|---|---|---:|---:|---:|---:|---:|---:|\n")
	for _, c := range r.warm {
		added := "| | |"
		if c.hello != nil {
			added = fmt.Sprintf("| %+.0f | %+.0f |", us(c.added(0.5)), us(c.added(0.99)))
		}
		fmt.Fprintf(w, "| %s (%s) | %s | %.0f | %.0f | %.0f | %.0f %s\n", c.platform.name, c.platform.protocol, c.label,
			us(c.quantile(0.5)), us(c.quantile(0.9)), us(c.quantile(0.99)), us(c.quantile(1)), added)
	}
}

func (r *results) writeCold(w io.Writer) {
	if len(r.cold) == 0 {
		return
	}
	fmt.Fprintf(w, "\n## Cold start: process start to first answer\n\n")
	fmt.Fprintf(w, "%d starts of each, in turns; SCF from exec to the first answer over net/rpc, Lambda from the first invocation (the emulator, listening, starts the bootstrap) to its answer. The policy facts are the start-up line's. ", len(r.cold[0].took))
	if r.notReadOnly == "" {
		fmt.Fprintf(w, "Each zip is unpacked without its dates onto a read-only bind mount, as both clouds' code folders are, but the writable row's.\n\n")
	} else {
		fmt.Fprintf(w, "Each zip is unpacked without its dates onto a **writable folder**, not a read-only one as on the clouds (large files are then read onto the heap, not used where they lie): %s.\n\n", r.notReadOnly)
	}
	fmt.Fprintf(w, "| platform | function | folder | median ms | min ms | max ms | ratio to hello world | goal | policy indexed | policy load ms |\n|---|---|---|---:|---:|---:|---:|---:|---|---:|\n")
	for _, c := range r.cold {
		lo, hi := c.took[0], c.took[0]
		for _, t := range c.took {
			lo, hi = min(lo, t), max(hi, t)
		}
		ratio, goal, facts := "1.00×", "", "| | |"
		if c.hello != nil {
			ratio = fmt.Sprintf("%.2f×", c.ratio())
			if c.goal > 0 {
				goal = fmt.Sprintf("≤ %.1f×", c.goal)
			}
			switch {
			case c.fetchMS != nil:
				facts = fmt.Sprintf("| fetched from the store: fetch %.2f ms (median) | %.3f |", median(c.fetchMS), median(c.fetchLds))
			default:
				facts = fmt.Sprintf("| %s | %.3f |", c.indexed, c.loadMS)
			}
		}
		fmt.Fprintf(w, "| %s | %s | %s | %.2f | %.2f | %.2f | %s | %s %s\n", c.platform.name, c.d.name, c.d.folder, ms(c.median()), ms(lo), ms(hi), ratio, goal, facts)
	}
}

func (r *results) writeRSS(w io.Writer) {
	if len(r.warm) == 0 {
		return
	}
	fmt.Fprintf(w, "\n## Peak RSS of the function's process after its warm invocations\n\n| platform | function | peak RSS MB |\n|---|---|---:|\n")
	for _, c := range r.warm {
		fmt.Fprintf(w, "| %s | %s | %.1f |\n", c.platform.name, c.label, mb(c.rss))
	}
}

func (r *results) writeSizes(w io.Writer) {
	if len(r.sizes) == 0 {
		return
	}
	fmt.Fprintf(w, "\n## Sizes (built for this machine's architecture)\n\n| file | bytes | MB |\n|---|---:|---:|\n")
	for _, s := range r.sizes {
		fmt.Fprintf(w, "| %s | %d | %.2f |\n", s.what, s.bytes, mb(s.bytes))
	}
}

func (r *results) writeLive(w io.Writer) {
	if len(r.live) == 0 {
		return
	}
	fmt.Fprintf(w, "\n## Live policy, warm\n\n")
	fmt.Fprintf(w, "Each platform's four functions invoked in turns with 100 subscribers for the run's length; the bundle (%.2f MB) republished every %s; the stalled store's proxy held every answer for %s from a third of the way on.\n\n", mb(int64(r.bundleBytes)), republishEvery, stallFor)
	fmt.Fprintf(w, "| platform | function | invocations | p50 µs | p90 µs | p99 µs | max µs | added p50 µs | added p99 µs | from the log |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, l := range r.live {
		for _, c := range []*warmCase{l.hello, l.file, l.fresh, l.stal} {
			added, log := "| | |", ""
			if c.hello != nil {
				added = fmt.Sprintf("| %+.0f | %+.0f |", us(c.added(0.5)), us(c.added(0.99)))
			}
			switch c {
			case l.fresh:
				log = fmt.Sprintf("%d bundles swapped in after the first", l.freshSwaps-1)
			case l.stal:
				log = fmt.Sprintf("%d refreshes failed, %d bundles swapped in after the first", l.stalledFailures, l.stalledSwaps-1)
			}
			fmt.Fprintf(w, "| %s | %s | %d | %.0f | %.0f | %.0f | %.0f %s %s |\n", l.platform.name, c.label, len(c.lat),
				us(c.quantile(0.5)), us(c.quantile(0.9)), us(c.quantile(0.99)), us(c.quantile(1)), added, log)
		}
	}
}

func (r *results) writeGo(w io.Writer) {
	if len(r.gobench) == 0 {
		return
	}
	fmt.Fprintf(w, "\n## Go benchmarks (information: medians of the runs)\n\n| benchmark | ns/op | B/op | allocs/op | other |\n|---|---:|---:|---:|---|\n")
	for _, b := range r.gobench {
		var other []string
		for _, m := range b.metrics {
			if m != "ns/op" && m != "B/op" && m != "allocs/op" {
				other = append(other, fmt.Sprintf("%.2f %s", b.median(m), m))
			}
		}
		fmt.Fprintf(w, "| %s | %.0f | %.0f | %.0f | %s |\n", b.name, b.median("ns/op"), b.median("B/op"), b.median("allocs/op"), strings.Join(other, ", "))
	}
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
func mb(b int64) float64         { return float64(b) / 1e6 }
func mib(b int64) float64        { return float64(b) / (1 << 20) }
