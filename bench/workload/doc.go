// Package workload holds what subgate's benchmarks share: the large deny list and request (100
// subscribers against a 100,000-entry deny list plus 50 globs) and the huge list (1,000,000
// entries).
package workload
