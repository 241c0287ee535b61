// Package source gives the gate the policy to decide each request by: Current returns the Active
// policy, its revision and where it came from. A source is one of two kinds, chosen by the
// configuration:
//
//   - Static: the policy file (SUBGATE_POLICY_FILE), the inline policy (SUBGATE_POLICY), or, with
//     neither, allow-all. It is loaded once, by New, and never changes.
//   - Live: a bundle fetched from SUBGATE_POLICY_URL (pkg/store), verified (pkg/bundle) and
//     revalidated every SUBGATE_POLICY_REFRESH, with the policy file, when one is set, as the
//     fallback that decides until the first bundle has been fetched.
//
// # Revision
//
// An Active's revision is the first 12 hex digits of its bundle's revision (policy.RevisionOf). A
// policy file has the revision its bundle would have, and so has the inline policy (its text as
// the bundle's policy.yaml), so the same rules carry the same revision wherever they were loaded
// from. Allow-all, with no policy configured, is "allow-all".
//
// # The first load
//
// A live source fetches nothing until it is asked (or until Prefetch, which gate.FromEnv calls as
// soon as the gate is built: at init on Lambda, at the first invocation on SCF, whose environment is
// known only then). The
// first call to Current starts the first fetch and waits for it, at most
// SUBGATE_POLICY_FETCH_TIMEOUT and never beyond the context's deadline: this is the only time an
// answer waits for the store. If the bundle arrives in time, it decides. If not (the store failed,
// or is slow), the fallback decides from then on, and the fetch, if still running, goes on in the
// background. Without a fallback, Current returns an error wrapping ErrNoPolicy that names the
// cause, which the gate answers as a configuration error; every later call tries again (joining
// the fetch in flight, if one is) and waits as the first did, until a bundle has been loaded.
//
// # Refresh
//
// Once a policy decides, Current is an atomic load and a clock reading. When the refresh interval
// has passed since the last fetch started, the call that notices starts one fetch in the
// background, and answers by the active policy without waiting for it; at most one fetch is in
// flight. The fetch is a conditional GET with the ETag of the last object fetched: 304 changes
// nothing; a new object is verified (bundle.Read), loaded, and swapped in atomically, and
// decisions already running finish on the policy they started with. A bundle of the same revision
// as the active one (uploaded again) keeps the active policy.
//
// No timer or goroutine of the source runs on its own schedule: Lambda and SCF freeze the process
// between invocations, so only invocations start refreshes. An idle function keeps its policy;
// its next invocation is answered by it and starts the refresh that brings it up to date.
//
// # The freeze
//
// A refresh is started by an invocation that answers at once, and the platform may freeze the
// process as soon as it has answered: a fetch of tens of milliseconds is often frozen mid-flight,
// and resumes, or fails, at the next invocation, minutes or hours later. The source is built so
// that such a fetch costs nothing:
//
//   - A fetch's age is measured by one clock, the monotonic one: Lambda (and, as far as is known,
//     SCF) freezes a function's processes while the machine runs on, and Linux's monotonic clock
//     counts that time, while the wall clock may be stepped at any moment (see age in live.go).
//   - A fetch whose answer comes more than twice the fetch timeout after it started was frozen:
//     its failure is not the store's (the connection timed out or was closed while the process was
//     stopped). It is logged at debug level, not as a warning, and the next call to Current starts
//     a new fetch at once instead of waiting for the next interval.
//   - A fetch still in flight after twice the fetch timeout is lost, since a running fetch ends
//     at its timeout: the next call that would start a refresh (or that waits for the first
//     policy) abandons it (cancels it; its outcome, whenever it comes, is dropped silently) and
//     starts a new one. No call ever waits on a lost fetch.
//
// A fetch frozen after the bundle arrived, while it is verified and loaded, is not lost: loading
// has no timeout and finishes when the process runs again.
//
// # Faults
//
// A failed refresh (the store unreachable, 401/403, 404, 5xx, no answer within the fetch timeout,
// a body over the cap, or an object that is not a bundle, is damaged, truncated, of another format
// version, or whose policy does not load) changes nothing: the last good bundle, or the fallback,
// keeps deciding, and one warning, "policy refresh failed", says why (never with credentials or a
// URL's query) and which revision still decides. The next refresh tries again, and the next good
// bundle the store serves is taken. An object refused once is not downloaded again: its ETag is
// sent with the next fetch, and a 304 means the store still serves it, which is warned again.
// Nothing is decided by a policy that is not wholly verified and loaded.
//
// # Memory
//
// A fetched bundle is capped (SUBGATE_POLICY_MAX_BYTES): by default, at what the function's memory
// can hold beside the bundle deciding, the memory being what the platform says it is
// (config.Config.FunctionMemoryMB), or at DefaultMaxBytes where it says nothing (see memory.go for
// the measurement). A bundle over the cap is refused as any bad bundle is. After each fetch that
// brought a body, the garbage it leaves (the bundle replaced or refused, the chunks it was read
// into) is collected at once, so that the next swap starts from what decides.
//
// # Log lines
//
// A source writes no line when it is made: Facts gives what the gate's start-up line says of it.
//
//   - "policy swapped" (info): revision, previous, origin, mode, indexed, index_ignored (when not
//     indexed and the policy is large enough for the index to matter, policy.Info.IndexMatters),
//     exact_ids, patterns, channels, groups (when the policy decides groups), trusted_operators,
//     bytes, created, fetch_ms, load_ms.
//   - "policy refresh failed" (warn): origin, error, deciding (the revision that still decides, or
//     "none"), fetch_ms.
//   - "policy unchanged" (debug), "policy refresh frozen" (debug), "policy refresh abandoned"
//     (debug).
package source
