// Package version is subgate's version, as every binary reports it: in its start-up log line and
// with -version.
//
// The version is what the build set with
//
//	-ldflags "-X github.com/subgate/subgate/internal/version.version=v0.1.0"
//
// (make does, from git describe); else the main module's version in Go's build information: the
// module version for go install ...@v0.1.0, or, for a build in a git checkout, the pseudo-version
// Go makes from the commit (with "+dirty" when the tree had changes); else "devel".
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
)

// version is set at link time by -ldflags -X; empty otherwise.
var version string

// String is the version of this binary.
func String() string { return resolved() }

var resolved = sync.OnceValue(func() string {
	info, _ := debug.ReadBuildInfo()
	return resolve(version, info)
})

// resolve picks the version from the link-time value and the build information.
func resolve(linked string, info *debug.BuildInfo) string {
	if linked != "" {
		return linked
	}
	if info != nil && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "devel"
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
