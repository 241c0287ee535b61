// Package workload holds what subgate's benchmarks share: the large deny list and request the
// issue names (100 subscribers against a 100,000-entry deny list plus 50 globs), and the floor each
// path is measured against: the least any implementation has to do with the same bytes.
package workload
