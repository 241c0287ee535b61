package main

import (
	"flag"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/subgate/subgate/pkg/policy"
)

var checkVerb = &verb{
	name:     "check",
	synopsis: "POLICY [-strict] [-json]",
	summary:  "check a policy: what it holds, and the entries that do not do what they seem to",
	about: `
Check loads POLICY as the function does, and prints what it holds (its mode, each deny and allow list
with its exact IDs and patterns, the channels, the groups when it decides the group webhooks, the
trusted operators) and warnings a careful author wants: an entry both allowed and denied (deny wins),
an entry listed twice, an entry a broader pattern of the same list already covers, a trusted operator
who is also denied, an allow list the deny lists empty entirely, entries that have expired.
docs/policy.md lists them.

The mode is enforce or shadow, then the channels and groups in the other mode, if any: "enforce
(shadow on 2 channels)". In shadow mode the rules only log whom they would refuse and everyone may
subscribe or join, so with -strict (in CI, before shipping) the policy's shadow mode, or each
channel's or group's, is a warning too.

POLICY is a policy file (with its list files beside it) or a bundle. An invalid policy is refused with
the loader's message, which names the file and the line.

-json prints one JSON document instead: {"valid": true|false, "error": loader's message (when
invalid), "revision", "mode", "lists": [{"name", "file", "exact_ids", "patterns", "expired"}], "channels",
"groups", "trusted_operators", "decides_groups", "warnings": [{"kind", "file", "line", "list",
"message"}]}.`,
	exit: "0 valid (warnings allowed); 1 invalid, or with -strict any warning; 2 bad usage.",
	examples: []string{
		"subgate check deploy/policy.example.yaml",
		"subgate check policy.yaml -strict     (in CI: a warning, or shadow mode, fails the build)",
		"subgate check policy.bundle -json",
	},
	flags: func(fs *flag.FlagSet, o *options) {
		fs.BoolVar(&o.strict, "strict", false, "exit 1 when there is any warning; shadow mode is one")
		fs.BoolVar(&o.json, "json", false, "print one JSON document: the summary and the warnings")
	},
	run: runCheck,
}

// checkDocument is what check -json prints.
type checkDocument struct {
	Valid bool   `json:"valid"`
	Error string `json:"error,omitempty"`
	*policy.Report
}

func runCheck(c *cli, o *options, args []string) int {
	if len(args) != 1 {
		return c.usageError(fmt.Sprintf("give one POLICY, not %d arguments", len(args)))
	}
	r, err := checkPolicy(args[0], c.now())
	if r != nil && !o.strict {
		// Without -strict shadow mode is no warning: the mode line says it.
		r.Warnings = slices.DeleteFunc(r.Warnings, func(w policy.Warning) bool { return w.Kind == policy.WarnShadow })
	}
	if o.json {
		doc := checkDocument{Valid: err == nil, Report: r}
		if err != nil {
			doc.Error = err.Error()
		}
		if err := writeJSON(c.stdout, doc); err != nil {
			return c.fail(err)
		}
	}
	if err != nil {
		return c.fail(err)
	}
	if !o.json {
		writeReport(c, args[0], r)
	}
	switch {
	case len(r.Warnings) == 0:
		if !o.json {
			fmt.Fprintln(c.stdout, "valid, no warnings")
		}
	case o.strict:
		if !o.json {
			fmt.Fprintf(c.stdout, "valid, but %d %s: failed (-strict)\n", len(r.Warnings), plural(len(r.Warnings), "warning", "warnings"))
		}
		return exitFail
	default:
		if !o.json {
			fmt.Fprintf(c.stdout, "valid, %d %s\n", len(r.Warnings), plural(len(r.Warnings), "warning", "warnings"))
		}
	}
	return exitOK
}

// writeReport writes the summary and the warnings of the policy at path.
func writeReport(c *cli, path string, r *policy.Report) {
	fmt.Fprintf(c.stdout, "policy %s, revision %s\n", path, r.Revision)
	fmt.Fprintf(c.stdout, "  mode: %s\n", r.Mode)
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	for _, l := range r.Lists {
		name := l.Name
		if l.File != "" {
			name += " (" + fileKey(l.Name) + " " + l.File + ")"
		}
		counts := fmt.Sprintf("%d exact %s, %d %s", l.ExactIDs, plural(l.ExactIDs, "ID", "IDs"), l.Patterns, plural(l.Patterns, "pattern", "patterns"))
		if l.Expired > 0 {
			counts += fmt.Sprintf(", %d expired", l.Expired)
		}
		fmt.Fprintf(tw, "  %s\t%s\n", name, counts)
	}
	_ = tw.Flush()
	fmt.Fprintf(c.stdout, "  %s, %d trusted %s\n", targets(r.Channels, r.Groups, r.DecidesGroups),
		r.TrustedOperators, plural(r.TrustedOperators, "operator", "operators"))
	if len(r.Warnings) > 0 {
		fmt.Fprintln(c.stdout, "warnings:")
		for _, w := range r.Warnings {
			fmt.Fprintf(c.stdout, "  %s\n", w)
		}
	}
}

// targets counts a policy's channels, and its groups when it decides groups: "3 channels",
// "3 channels, 2 groups" ("0 groups" when the groups key is empty: groups are decided by the top-level
// rules).
func targets(channels, groups int, decidesGroups bool) string {
	s := fmt.Sprintf("%d %s", channels, plural(channels, "channel", "channels"))
	if decidesGroups {
		s += fmt.Sprintf(", %d %s", groups, plural(groups, "group", "groups"))
	}
	return s
}

// fileKey is the key that names a list's file, without the channel: deny_file for deny and for
// channels."@TOA#_x".deny, allow_file for an allow list.
func fileKey(list string) string {
	return list[strings.LastIndex(list, ".")+1:] + "_file"
}
