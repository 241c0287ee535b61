package source

import (
	"fmt"
	"log/slog"

	"github.com/subgate/subgate/pkg/bundle"
	"github.com/subgate/subgate/pkg/config"
)

// The cap on a fetched bundle (SUBGATE_POLICY_MAX_BYTES), when it is not set. A bundle within it
// must always be loadable beside the one deciding, in the function's memory, so that no bundle
// the store serves can end the process: on Lambda and SCF every new instance fetches at start,
// and an oversized bundle would be a crash loop, fallback or not.
//
// A swap holds, at its peak, the bundle deciding, the chunks the new one is read into, and the
// one buffer they are copied into (pkg/store: never sized by Content-Length); its policy adds next
// to nothing, being read from its index where it lies in the bundle. Measured on Linux, amd64, Go
// 1.26 (make bench): an SCF function that fetched a 1,000,000-entry bundle (43.5 MiB) and swapped
// it for another three times peaked at 143.8 MiB RSS, 12.5 MiB of it its own before any bundle:
// 3.02 bytes per bundle byte. (The replaced bundle's garbage is collected at once after each swap,
// and again before the next fetch reads a body, for a replaced policy a decision still held at the
// swap, see live.run; without the first, the same swaps peaked at 271 MiB, and without the second,
// once in a few runs, at 185 MiB.) So the cap is the function's
// memory, less memoryReserve for the process itself, divided by memoryFactor: 13.3 MiB for 64 MB,
// 34.7 MiB for 128 MB, 45.3 MiB for 160 MB, 77.3 MiB for 256 MB (MB as the platforms count them,
// 2^20 bytes).
const (
	// DefaultMaxBytes is the cap where the platform does not say the function's memory: the
	// HTTP server (and a container or an SCF Web Function running it), whose host should then
	// give it at least 3 × 64 MiB + 24 MiB, 216 MiB, to swap bundles of that size.
	DefaultMaxBytes = 64 << 20
	// memoryFactor is peak RSS per bundle byte while one bundle is swapped for another of the
	// same size.
	memoryFactor = 3
	// memoryReserve is the function's own RSS before any bundle (12.5 MiB measured: the Go
	// runtime, the binary, the HTTP client), with as much again to spare.
	memoryReserve = 24 << 20
	// minMaxBytes is the smallest default cap, whatever the memory says.
	minMaxBytes = 4 << 20
)

// maxBytes is the cap on a fetched bundle that cfg configures, and where it comes from, for the
// start-up line.
func maxBytes(cfg config.Config) (int64, string) {
	switch {
	case cfg.PolicyMaxBytes != 0:
		return cfg.PolicyMaxBytes, config.EnvPolicyMaxBytes
	case cfg.FunctionMemoryMB > 0:
		n := (int64(cfg.FunctionMemoryMB)<<20 - memoryReserve) / memoryFactor
		return min(max(n, minMaxBytes), bundle.MaxSize), fmt.Sprintf("the function's memory (%d MB)", cfg.FunctionMemoryMB)
	default:
		return DefaultMaxBytes, "the default (the platform does not say the function's memory)"
	}
}

// checkMaxBytes holds SUBGATE_POLICY_MAX_BYTES to the bundle format's limit.
func checkMaxBytes(cfg config.Config) error {
	if cfg.PolicyMaxBytes < 0 || cfg.PolicyMaxBytes > bundle.MaxSize {
		return fmt.Errorf("%w: %s must be above 0 and at most %d (256 MiB, the largest bundle), not %d",
			config.ErrInvalid, config.EnvPolicyMaxBytes, bundle.MaxSize, cfg.PolicyMaxBytes)
	}
	return nil
}

// maxBytesFacts are what the start-up line says of the cap.
func maxBytesFacts(n int64, from string) []slog.Attr {
	return []slog.Attr{slog.Int64("max_bytes", n), slog.String("max_bytes_from", from)}
}
