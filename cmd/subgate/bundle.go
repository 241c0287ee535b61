package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/subgate/subgate/pkg/bundle"
	"github.com/subgate/subgate/pkg/policy"
)

var bundleVerb = &verb{
	name:     "bundle",
	synopsis: "POLICY -o FILE [-json]",
	summary:  "write a policy, its list files and its prepared index into one bundle file, for a store",
	about: `
Bundle loads the policy file POLICY and writes its bundle to FILE: one file holding the policy, every
list file it names, its prepared index, the format version, the revision and when it was made
(docs/live-policy.md). Upload it where the functions' SUBGATE_POLICY_URL points (Amazon S3, Tencent
COS, or any https:// server); each function verifies it as a whole and decides by it at its next
refresh, with no redeploy.

An invalid policy is refused with the loader's message, which names the file and the line, and no
file is written; an existing FILE is replaced only once the new bundle is complete. Check and test the
policy first: subgate check, subgate test (they take the bundle too).

-json prints one JSON document instead: {"file", "revision" (the bundle's, 64 hex digits), "policy"
(the 12 the functions log), "size", "created", "counts": {"exact_ids", "patterns", "channels", "groups",
"trusted_operators"}, "list_files"}.`,
	exit: "0 written; 1 POLICY is invalid or FILE cannot be written (nothing is written); 2 bad usage.",
	examples: []string{
		"subgate bundle deploy/policy.example.yaml -o policy.bundle",
		"aws s3 cp policy.bundle s3://my-bucket/subgate/policy.bundle",
		"coscli cp policy.bundle cos://my-bucket-1250000000/subgate/policy.bundle -e cos.ap-guangzhou.myqcloud.com",
	},
	flags: func(fs *flag.FlagSet, o *options) {
		fs.StringVar(&o.out, "o", "", "the bundle `FILE` to write (required)")
		fs.BoolVar(&o.json, "json", false, "print one JSON document: what was written")
	},
	run: runBundle,
}

// bundleDocument is what bundle -json prints.
type bundleDocument struct {
	File      string        `json:"file"`
	Revision  string        `json:"revision"`
	Policy    string        `json:"policy"`
	Size      int64         `json:"size"`
	Created   string        `json:"created"`
	Counts    policy.Counts `json:"counts"`
	ListFiles []string      `json:"list_files"`
}

func runBundle(c *cli, o *options, args []string) int {
	switch {
	case len(args) != 1:
		return c.usageError(fmt.Sprintf("give one POLICY, not %d arguments", len(args)))
	case o.out == "":
		return c.usageError("-o FILE is required: where to write the bundle")
	}
	if isB, err := isBundle(args[0]); err != nil {
		return c.fail(err)
	} else if isB {
		return c.fail(fmt.Errorf("%s is a bundle already: give the policy file it was made from", args[0]))
	}
	b, err := bundle.WriteFile(o.out, args[0], c.now())
	if err != nil {
		return c.fail(err)
	}
	p, err := b.Load()
	if err != nil {
		return c.fail(fmt.Errorf("the bundle written does not load (a bug): %w", err))
	}
	info, err := os.Stat(o.out)
	if err != nil {
		return c.fail(err)
	}
	files := p.Files()
	if files == nil {
		files = []string{}
	}
	doc := bundleDocument{File: o.out, Revision: b.Revision(), Policy: p.Info().Revision, Size: info.Size(),
		Created: b.Created().Format(time.RFC3339), Counts: p.Info().Counts, ListFiles: files}
	if o.json {
		if err := writeJSON(c.stdout, doc); err != nil {
			return c.fail(err)
		}
		return exitOK
	}
	counts := doc.Counts
	fmt.Fprintf(c.stdout, "bundled %s and %d list %s: %d exact %s, %d %s, %s, %d trusted %s\n",
		args[0], len(files), plural(len(files), "file", "files"),
		counts.ExactIDs, plural(counts.ExactIDs, "ID", "IDs"), counts.Patterns, plural(counts.Patterns, "pattern", "patterns"),
		targets(counts.Channels, counts.Groups, p.DecidesGroups()), counts.TrustedOperators, plural(counts.TrustedOperators, "operator", "operators"))
	name := filepath.Base(o.out)
	fmt.Fprintf(c.stdout, "next: upload it where the functions' SUBGATE_POLICY_URL points, such as\n"+
		"  aws s3 cp %s s3://BUCKET/subgate/%s\n"+
		"  coscli cp %s cos://BUCKET-APPID/subgate/%s -e cos.REGION.myqcloud.com\n",
		o.out, name, o.out, name)
	fmt.Fprintf(c.stdout, "wrote %s: revision %s, %s\n", o.out, doc.Policy, size(doc.Size))
	return exitOK
}

// size is a file size in bytes, and in KiB or MiB when large.
func size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%d bytes (%.1f MiB)", n, float64(n)/(1<<20))
	case n >= 10<<10:
		return fmt.Sprintf("%d bytes (%.1f KiB)", n, float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
