// Package bundle writes and reads policy bundles: one file holding a policy (as policy.yaml), every
// list file it names (under the names the policy gives them), its prepared index
// (policy.yaml.index, made by policy.Prepare as `make package` makes it), and a manifest,
// bundle.json, with the format version, the revision, when the bundle was made, and each file's
// size and SHA-256. A function fetches a bundle from a store and decides by it; Read verifies it
// as a whole first, so a truncated, altered or foreign file is refused and never half-used.
//
// # The container
//
// A bundle is a zip file. A zip is what the standard library reads and writes (archive/zip), and
// what people can look into (`unzip -l policy.bundle`, `unzip -p policy.bundle policy.yaml`). Make
// writes the manifest first, then the files, stored, not compressed: stored entries cost a little
// size (a bundle is fetched once per change, and object stores and CDNs compress in transit if
// asked) and let the function use the prepared index where it lies in the downloaded bytes, with
// nothing inflated or copied.
//
// # Verification
//
// Read checks what a bundle holds, not how its zip was written: a bundle unpacked and zipped again
// by any tool (in another order, deflated, with other dates) is the same bundle, with the same
// revision. It is valid when
//
//   - it is one zip and nothing else: it begins with a file's header and ends with the zip
//     directory's end record, with nothing before, after or between the directory and its end
//     record, and no zip comment; it holds at most MaxFiles entries, counted in the directory before
//     anything is read, and is not a zip64 file (which no bundle needs);
//   - it holds bundle.json once, naming the format, and the format version Read reads: this is
//     checked before anything else in the bundle, so a bundle of another version is named as such;
//   - bundle.json is a JSON object of the manifest's keys, laid out in any way; an unknown key is
//     refused;
//   - every entry is bundle.json, a file the manifest lists, or an empty folder entry that some
//     tools add for the folders of those files ("lists/"), each once, in any order; every file
//     listed is there;
//   - each file is the size the manifest gives it and matches its SHA-256; the files together are
//     at most MaxSize bytes unpacked;
//   - the revision is the revision of the files.
//
// A file may be stored, and is then used where it lies in the bundle's bytes, or deflated, and is
// then inflated into memory; any other compression is refused. Inflating stops just past the size
// the manifest gives a file, and those sizes are held to MaxSize together before any file is read,
// so a file that inflates to more (a zip bomb) is refused having cost no more than a bundle's own
// limit. Bytes inside the zip that no header points to (between entries) are never read; dates,
// modes and the zip's CRC-32 of a stored file are not what a bundle holds and are not checked (its
// SHA-256 is).
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
