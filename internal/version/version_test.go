package version

import (
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestResolve(t *testing.T) {
	tests := []struct {
		name   string
		linked string
		info   *debug.BuildInfo
		want   string
	}{
		{name: "LinkedWins", linked: "v0.2.0-3-gabc1234-dirty", info: &debug.BuildInfo{Main: debug.Module{Version: "v0.1.0"}}, want: "v0.2.0-3-gabc1234-dirty"},
		{name: "ModuleVersion", info: &debug.BuildInfo{Main: debug.Module{Version: "v0.1.0"}}, want: "v0.1.0"},
		{name: "PseudoVersionFromGit", info: &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261126130408-afb32738eb01+dirty"}},
			want: "v0.0.0-20261126130408-afb32738eb01+dirty"},
		{name: "DevelBuild", info: &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, want: "devel"},
		{name: "NoBuildInfo", want: "devel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, resolve(tt.linked, tt.info))
		})
	}
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
