// Package bundle writes and reads policy bundles: one file holding a policy (as policy.yaml), every
// list file it names (under the names the policy gives them), its prepared index
// (policy.yaml.index, made by policy.Prepare as `make package` makes it), and a manifest,
// bundle.json, with the format version, the revision, when the bundle was made, and each file's
// size and SHA-256. A function fetches a bundle from a store and decides by it; Read verifies it
// as a whole first, so a truncated, altered or foreign file is refused and never half-used.
//
// # The container
//
// A bundle is a zip file whose entries are stored, not compressed. A zip is what the standard
// library reads and writes (archive/zip), and what people can look into (`unzip -l policy.bundle`,
// `unzip -p policy.bundle policy.yaml`). Stored entries cost a little size (a bundle is fetched once
// per change, and object stores and CDNs compress in transit if asked) and buy two things: the
// function uses the prepared index where it lies in the downloaded bytes, with nothing inflated
// or copied, and every byte of every file is covered by the SHA-256 in the manifest.
//
// The manifest is the first entry, so it also serves as the bundle's magic: a zip whose first file
// is not bundle.json naming the format "subgate policy bundle" is not a bundle. Its version is
// checked before anything else, so a bundle of another format version is refused saying which.
//
// # Verification
//
// Read accepts exactly the bytes Make writes and nothing else: besides the format, the version,
// the limits, each file's SHA-256 and the revision, it writes the bundle again from what it read
// and compares the two byte for byte, so a change anywhere (a zip header, the directory, a
// comment, bytes added before or after) is refused, not only a change inside a file. The bytes
// are the standard library's zip writer's: TestReadsBundlesOfThisFormat holds a bundle made
// earlier, so a Go release that changed them would be caught before it could refuse the bundles
// already in users' stores.
//
// A bundle is checked against damage, not forgery: it is not signed. Who may publish a bundle is
// decided by who may write the object in the store.
//
// # Revision
//
// A bundle's revision is the SHA-256 of its policy and list files, hex: of the lines
// "<SHA-256 of the file, hex>  <name>\n", policy.yaml first, then the list files by name (the
// output of sha256sum, in that order). It names the rules a bundle decides by: the same policy and
// lists bundled twice, at another time or by another version of subgate (whose index may differ),
// have the same revision. The index is covered by its own SHA-256 like every file. It is
// policy.RevisionOf, so a policy loaded from a folder names the same revision (Info.Revision, its
// first 12 digits) and a function names the rules it decides by alike whether it loaded a bundle or
// a file.
//
// # Names
//
// The policy names its list files relative to its folder. A name that could not be stored safely
// in a zip (absolute, with "..", with a backslash, or not UTF-8), or that the bundle keeps for
// itself (policy.yaml, policy.yaml.index, bundle.json), is refused by Make with a message naming
// it, as `make package` refuses it: keep list files in the policy's folder or below it. A name is
// stored cleaned ("./lists/a.txt" as "lists/a.txt"); Files finds a file by its cleaned name.
package bundle
