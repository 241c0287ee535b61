package main

import (
	"fmt"

	"github.com/subgate/subgate/internal/version"
)

var versionVerb = &verb{
	name:     "version",
	synopsis: "",
	summary:  "print subgate's version",
	about: `
Version prints subgate's version, the Go release it was built with and its platform, as every subgate
binary does with -version: "subgate v0.1.0 (go1.26.8 linux/amd64)". The version is the latest release
(internal/version/VERSION) as it is for a build at its tag, and otherwise with the commit built,
"v0.1.0+1b914b1c3e5f" (".dirty" with changes), or "v0.1.0+devel" when no commit is known.`,
	exit:     "0; 2 bad usage.",
	examples: []string{"subgate version", "subgate -version"},
	run: func(c *cli, _ *options, args []string) int {
		if len(args) != 0 {
			return c.usageError("takes no arguments")
		}
		fmt.Fprintln(c.stdout, version.Line())
		return exitOK
	},
}
