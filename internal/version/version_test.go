package version

import (
	"regexp"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
)

const commitHex = "1b914b1c3e5f0b6d2a8e7f1c4d9a0b3c5e7f9a1d"

func TestBuildVersion(t *testing.T) {
	const release = "v0.1.0"
	tests := []struct {
		name string
		b    build
		want string
	}{
		{"AtTheReleaseTag", build{tag: release, commit: commitHex}, release},
		{"AtTheReleaseTagDirty", build{tag: release, commit: commitHex, dirty: true}, "v0.1.0+1b914b1c3e5f.dirty"},
		{"AtAnotherTag", build{tag: "v0.2.0", commit: commitHex}, "v0.1.0+1b914b1c3e5f"},
		{"AfterTheRelease", build{commit: commitHex}, "v0.1.0+1b914b1c3e5f"},
		{"Dirty", build{commit: commitHex, dirty: true}, "v0.1.0+1b914b1c3e5f.dirty"},
		{"ShortCommit", build{commit: "1b914b1"}, "v0.1.0+1b914b1"},
		{"NoCommit", build{}, "v0.1.0+devel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.b.version(release))
		})
	}
}

func TestFromBuildInfo(t *testing.T) {
	vcs := func(revision, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: revision}, {Key: "vcs.modified", Value: modified}}
	}
	tests := []struct {
		name string
		info *debug.BuildInfo
		want build
	}{
		{"GoInstallAtATag", &debug.BuildInfo{Main: debug.Module{Version: "v0.1.0"}}, build{tag: "v0.1.0"}},
		{"TaggedCheckout", &debug.BuildInfo{Main: debug.Module{Version: "v0.1.0"}, Settings: vcs(commitHex, "false")}, build{tag: "v0.1.0", commit: commitHex}},
		{"TaggedCheckoutDirty", &debug.BuildInfo{Main: debug.Module{Version: "v0.1.0+dirty"}, Settings: vcs(commitHex, "true")}, build{tag: "v0.1.0", commit: commitHex, dirty: true}},
		{"CheckoutAfterATag", &debug.BuildInfo{Main: debug.Module{Version: "v0.1.1-0.20261207193000-1b914b1c3e5f"}, Settings: vcs(commitHex, "false")}, build{commit: commitHex}},
		{"GoInstallAtACommit", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261207193000-1b914b1c3e5f"}}, build{commit: "1b914b1c3e5f"}},
		{"NoVCS", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, build{}},
		{"NoBuildInfo", nil, build{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, fromBuildInfo(tt.info))
		})
	}
}

func TestPseudoRevision(t *testing.T) {
	for v, want := range map[string]string{
		"v0.0.0-20261126130408-afb32738eb01":       "afb32738eb01",
		"v0.1.1-0.20261126130408-afb32738eb01":     "afb32738eb01",
		"v2.0.0-pre.0.20261126130408-afb32738eb01": "afb32738eb01",
		"v0.1.0":         "",
		"v0.2.0-rc.1":    "",
		"v0.2.0-beta-12": "",
		"(devel)":        "",
	} {
		assert.Equal(t, want, pseudoRevision(v), v)
	}
}

func TestRelease(t *testing.T) {
	assert.Regexp(t, regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+$`), Release(), "the file VERSION holds a release, without its v")
}

func TestLine(t *testing.T) {
	assert.Equal(t, "subgate "+String()+" ("+runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH+")", Line())
}

func TestAsked(t *testing.T) {
	assert.True(t, Asked([]string{"-version"}))
	assert.True(t, Asked([]string{"--version"}))
	assert.False(t, Asked(nil))
	assert.False(t, Asked([]string{"-version", "x"}))
	assert.False(t, Asked([]string{"-v"}))
}
