// Package workload holds what subgate's benchmarks share: the large deny list and request (100
// subscribers against a 100,000-entry deny list plus 50 globs), the huge list (1,000,000 entries),
// and the floors (floor.go) that the Floor benchmarks of pkg/gate, pkg/scfevent and
// pkg/lambdaevent still run, though no goal compares with them any longer.
package workload
