// Package testkit is what the tests of several packages share: the properties every subgate answer
// must have (well-formed, documented, OK only for a request that passed the SdkAppid and signature
// checks, refusing only IDs from the request and each once, never letting the denied subscriber
// "jared" or an empty ID through), the deployments the entrypoints' fuzz targets invoke, a check of
// the internal fault lines in a log, a copy of the repository for tests that run make, the
// fenced blocks of a Markdown page and a way to run them for tests that run its commands, the
// policy and cases of the entrypoints' end-to-end tests of expiring entries and shadow mode, the
// secrets and signed query strings that fail to parse of the tests that no log line or answer
// carries a secret, and the contracts the SCF and Lambda event packages both keep (events.go:
// panics, deadline, limits, foreign events, the fuzz targets' check), which each runs through its
// own handler.
//
// Only tests import it.
package testkit
