// Package version is subgate's version, as every binary reports it: in its start-up log line and
// with -version.
//
// The release is written once, in the file VERSION beside this package (embedded at build time):
// the version of the latest release, which the CHANGELOG's latest release heading names too (the
// docs test holds them equal). A binary built at that release's tag, from a clean checkout,
// reports it as it is: v0.1.0. Any other build adds the commit it was built from as semver build
// metadata, v0.1.0+1b914b1c3e5f (and .dirty when the checkout had changes), so that a build
// between releases is never taken for the release; a build that knows no commit reports
// v0.1.0+devel.
//
// The tag, the commit and whether the checkout was dirty come from git through make, which links
// them in (-X ...version.tag=, .commit=, .dirty=true), and otherwise from Go's build information:
// the main module's version (the tag, for go install ...@v0.1.0 or a build of a tagged checkout)
// and the VCS revision Go stamps into a build made in a git checkout (unless -buildvcs=false).
//
// A git tag may not reach a CI clone (a shallow clone fetches no tags), which then reports the
// release with its commit. A release pipeline that knows better sets the whole string at link
// time, -X github.com/subgate/subgate/internal/version.version=v0.1.0, which make does when given
// VERSION (make package VERSION=v0.1.0).
package version

import (
	_ "embed"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
)

// release is the version of the latest release, without its v: the file VERSION.
//
//go:embed VERSION
var release string

// Set at link time by -ldflags -X, empty otherwise: version replaces the whole string; tag (the
// tag at the commit built, if any), commit and dirty ("true" when the checkout had changes) are
// what git says, as make links them in.
var version, tag, commit, dirty string

// Release is the version of the latest release, such as v0.1.0: what the CHANGELOG and the docs
// name, and what a build at its tag reports.
func Release() string { return "v" + strings.TrimSpace(release) }

// String is the version of this binary.
func String() string { return resolved() }

var resolved = sync.OnceValue(func() string {
	if version != "" {
		return version
	}
	b := build{tag: tag, commit: commit, dirty: dirty == "true"}
	if b.commit == "" {
		info, _ := debug.ReadBuildInfo()
		b = fromBuildInfo(info)
	}
	return b.version(Release())
})

// build is what is known of the source a binary was built from.
type build struct {
	tag    string // the tag at the commit built, such as v0.1.0; "" when none is known
	commit string // the commit, in hex; "" when not known
	dirty  bool   // the checkout had changes
}

// version is the version of a build of release: release at its own tag, from a clean checkout;
// else release with the commit (12 digits), and .dirty; release+devel when the commit is unknown.
func (b build) version(release string) string {
	switch {
	case b.tag == release && !b.dirty:
		return release
	case b.commit == "":
		return release + "+devel"
	}
	c := b.commit
	if len(c) > 12 {
		c = c[:12]
	}
	if b.dirty {
		return release + "+" + c + ".dirty"
	}
	return release + "+" + c
}

// fromBuildInfo is what Go's build information says of the build: the main module's version is
// a tag unless it is a pseudo-version (whose last part is the commit, for go install ...@<commit>,
// which stamps no VCS settings); vcs.revision and vcs.modified are stamped into a build made in a
// git checkout.
func fromBuildInfo(info *debug.BuildInfo) build {
	var b build
	if info == nil {
		return b
	}
	v, _, _ := strings.Cut(info.Main.Version, "+") // v0.1.0+dirty: a dirty checkout at v0.1.0
	if c := pseudoRevision(v); c != "" {
		b.commit = c
	} else if strings.HasPrefix(v, "v") {
		b.tag = v
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.commit = s.Value
		case "vcs.modified":
			b.dirty = s.Value == "true"
		}
	}
	return b
}

// pseudoRevision is the commit a Go pseudo-version names (v0.0.0-20261126130408-afb32738eb01,
// v0.1.1-0.20261126130408-afb32738eb01), "" for any other version.
func pseudoRevision(v string) string {
	i := strings.LastIndexByte(v, '-')
	if i < 0 || len(v)-i-1 != 12 || strings.Count(v, "-") < 2 {
		return ""
	}
	c := v[i+1:]
	if strings.Trim(c, "0123456789abcdef") != "" {
		return ""
	}
	return c
}

// Line is what -version prints: the program, its version, and the Go release and platform it was
// built for, such as "subgate v0.1.0 (go1.26.8 linux/arm64)".
func Line() string {
	return fmt.Sprintf("subgate %s (%s %s/%s)", String(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// Asked reports whether args (the program's arguments after its name) are exactly one -version or
// --version. The SCF and Lambda functions check this instead of parsing flags: the platform starts
// them, and an argument they do not know must never stop them.
func Asked(args []string) bool {
	return len(args) == 1 && (args[0] == "-version" || args[0] == "--version")
}
