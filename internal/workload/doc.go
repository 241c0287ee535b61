// Package workload holds the workloads that subgate's benchmarks (bench/run, and the Benchmark
// functions of several packages) and some of its tests share: the large deny list and request (100
// subscribers against a 100,000-entry deny list plus 50 globs) and the huge list (1,000,000
// entries).
package workload
