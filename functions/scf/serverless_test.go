package main

// serverless.yml is only validated by Tencent's servers when it is deployed: this test checks it
// offline against what `make package-scf` writes and what the program reads.

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/subgate/subgate/pkg/config"
)

// serverlessYML is the part of serverless.yml this test checks.
type serverlessYML struct {
	Component string `yaml:"component"`
	Name      string `yaml:"name"`
	Inputs    struct {
		Type        string `yaml:"type"`
		Src         string `yaml:"src"`
		Handler     string `yaml:"handler"`
		Runtime     string `yaml:"runtime"`
		MemorySize  int    `yaml:"memorySize"`
		Timeout     int    `yaml:"timeout"`
		Environment struct {
			Variables map[string]string `yaml:"variables"`
		} `yaml:"environment"`
		Events []map[string]struct {
			Parameters struct {
				AuthType  string `yaml:"authType"`
				NetConfig struct {
					EnableExtranet bool `yaml:"enableExtranet"`
				} `yaml:"netConfig"`
			} `yaml:"parameters"`
		} `yaml:"events"`
	} `yaml:"inputs"`
}

// packageSCF is what `make -n package-scf` says the target does.
type packageSCF struct {
	commands []string          // every command, in order
	builds   map[string]string // go package -> the binary it is built into
	flags    map[string]string // go package -> the build command line
	zips     map[string]packCommand
	unpacks  map[string]string // zip -> the folder it is unpacked into
	checked  string            // the policy pack -check checks
}

type packCommand struct {
	executables map[string]string // name in the zip -> file
	policy      string
}

func TestServerlessYML(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "serverless.yml"))
	require.NoError(t, err)
	var sls serverlessYML
	require.NoError(t, yaml.Unmarshal(data, &sls))
	pkg := readPackageSCF(t)
	in := sls.Inputs

	assert.Equal(t, "scf", sls.Component)
	assert.Equal(t, "event", in.Type)
	assert.Equal(t, "Go1", in.Runtime)
	assert.Equal(t, 256, in.MemorySize, "a 1,000,000-entry bundle swapped for another peaks at 143.8 MiB (make bench)")
	assert.Equal(t, 3, in.Timeout)

	// src is the folder make unpacks dist/scf.zip into; handler is the binary's name in that zip,
	// and that binary is functions/scf built for SCF.
	src := filepath.Clean(in.Src)
	zip := ""
	for z, dir := range pkg.unpacks {
		if filepath.Clean(dir) == src {
			zip = z
		}
	}
	require.NotEmpty(t, zip, "serverless.yml's src %s is not a folder make package-scf writes a zip into", in.Src)
	assert.Equal(t, "dist/scf.zip", zip)
	binary := pkg.builds["./functions/scf"]
	require.NotEmpty(t, binary, "make package-scf does not build ./functions/scf")
	assert.Equal(t, binary, pkg.zips[zip].executables[in.Handler], "handler %s is not the functions/scf binary in %s", in.Handler, zip)
	assertBuiltForSCF(t, pkg.flags["./functions/scf"])

	// The environment: every variable subgate reads (config.Variables, the code's own list, so a
	// new setting fails here until it is passed or named below), each from the deployer's
	// environment (unset there, it reaches the function unset or empty, which subgate reads as
	// unset), but the policy file, the one make bundles; and none that subgate does not read.
	for name := range in.Environment.Variables {
		assert.Contains(t, config.Variables, name, "serverless.yml sets %s, which subgate does not read", name)
	}
	for _, name := range config.Variables {
		if why, ok := notOnSCF[name]; ok {
			assert.NotContains(t, in.Environment.Variables, name, "serverless.yml passes %s: %s", name, why)
			continue
		}
		if name == config.EnvPolicyFile {
			continue
		}
		assert.Equal(t, "${env:"+name+"}", in.Environment.Variables[name], "%s must come from the deployer's environment", name)
	}
	// A deployer who exports only SUBGATE_SDKAPPID deploys a working function whose policy is the
	// zip's: every other ${env:...} arrives empty, and an empty variable counts as unset.
	deployed := map[string]string{}
	for name, value := range in.Environment.Variables {
		if strings.HasPrefix(value, "${env:") {
			value = ""
		}
		deployed[name] = value
	}
	deployed[config.EnvSdkAppID] = "1400000001"
	cfg, err := config.FromEnv(func(name string) string { return deployed[name] })
	require.NoError(t, err)
	assert.Empty(t, cfg.PolicyURL, "no policy URL: the policy is the zip's")
	assert.Zero(t, cfg.PolicyRefresh, "unset: the source's default")
	assert.Equal(t, "policy.yaml", in.Environment.Variables[config.EnvPolicyFile])
	assert.NotEmpty(t, pkg.zips[zip].policy, "make package-scf does not bundle a policy as policy.yaml")
	assert.NotContains(t, in.Environment.Variables, config.EnvAddr, "the event function does not listen")

	// A Function URL open to Chat: no CAM authentication, reachable from the internet.
	require.Len(t, in.Events, 1)
	functionURL, ok := in.Events[0]["http"]
	require.True(t, ok, "the event is not an http (Function URL) event")
	assert.Equal(t, "NONE", functionURL.Parameters.AuthType)
	assert.True(t, functionURL.Parameters.NetConfig.EnableExtranet)
}

// notOnSCF are the variables subgate reads that serverless.yml does not pass to the event
// function, and why.
var notOnSCF = map[string]string{
	config.EnvPolicy:           "the zip's policy.yaml is the policy, and an inline policy beside it is a configuration error",
	config.EnvAddr:             "an event function does not listen",
	config.EnvMetrics:          "SCF has no metrics sink (docs/metrics.md)",
	config.EnvMetricsNamespace: "SCF has no metrics sink (docs/metrics.md)",
	config.EnvMetricsAddr:      "an event function serves no /metrics",
}

func TestWebFunctionPackage(t *testing.T) {
	pkg := readPackageSCF(t)
	web, ok := pkg.zips["dist/scf-web.zip"]
	require.True(t, ok, "make package-scf does not write dist/scf-web.zip")
	assert.Equal(t, "deploy/scf_bootstrap", web.executables["scf_bootstrap"])
	assert.NotEmpty(t, web.policy)
	server := pkg.builds["./functions/http"]
	require.NotEmpty(t, server, "make package-scf does not build ./functions/http")
	assertBuiltForSCF(t, pkg.flags["./functions/http"])
	var name string
	for n, file := range web.executables {
		if file == server {
			name = n
		}
	}
	require.NotEmpty(t, name, "dist/scf-web.zip does not hold the functions/http binary")

	info, err := os.Stat(filepath.Join("..", "..", "deploy", "scf_bootstrap"))
	require.NoError(t, err)
	assert.NotZero(t, info.Mode()&0o111, "deploy/scf_bootstrap must be executable")
	bootstrap, err := os.ReadFile(filepath.Join("..", "..", "deploy", "scf_bootstrap"))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(bootstrap), "#!/bin/sh\n"))
	assert.Contains(t, string(bootstrap), "\nexport "+config.EnvAddr+"=0.0.0.0:9000\n", "SCF sends Web Function requests to port 9000")
	assert.Contains(t, string(bootstrap), "\nexec ./"+name+"\n")
}

func assertBuiltForSCF(t *testing.T, command string) {
	t.Helper()
	for _, want := range []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "-trimpath",
		`-ldflags "-s -w -X github.com/subgate/subgate/internal/version.version=` + packageVersion + `"`} {
		assert.Contains(t, command, want)
	}
}

// packageVersion is the VERSION the test gives make: it is linked into every binary.
const packageVersion = "v9.9.9-test"

// A broken policy must stop make package before it compiles anything, and the binaries are built
// outside dist/, which only pack writes (a whole folder or zip at a time).
func TestPackageSCFChecksThePolicyFirst(t *testing.T) {
	pkg := readPackageSCF(t)
	require.NotEmpty(t, pkg.commands)
	assert.True(t, strings.HasPrefix(pkg.commands[0], "go run ./deploy/pack -check "), "the first command checks the policy: %s", pkg.commands[0])
	assert.Equal(t, pkg.zips["dist/scf.zip"].policy, pkg.checked)
	for _, binary := range pkg.builds {
		assert.False(t, strings.HasPrefix(binary, "dist/"), "%s is built into dist/, where a failed build would leave it", binary)
	}
	for _, command := range pkg.commands {
		if strings.Contains(command, "dist/") {
			assert.True(t, strings.HasPrefix(command, "go run ./deploy/pack "), "only pack writes dist/: %s", command)
		}
	}
}

// readPackageSCF runs `make -n package-scf` (which prints the commands without running them) and
// reads what it builds, packs and unpacks.
func readPackageSCF(t *testing.T) packageSCF {
	t.Helper()
	cmd := exec.Command("make", "--no-print-directory", "-n", "package-scf", "GO=go", "POLICY=deploy/policy.example.yaml", "VERSION="+packageVersion)
	cmd.Dir = filepath.Join("..", "..")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "make -n package-scf: %s", out)
	pkg := packageSCF{builds: map[string]string{}, flags: map[string]string{}, zips: map[string]packCommand{}, unpacks: map[string]string{}}
	build := regexp.MustCompile(` go build .*-o (\S+) (\./\S+)$`)
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		pkg.commands = append(pkg.commands, line)
		if policy, ok := strings.CutPrefix(line, "go run ./deploy/pack -check -policy "); ok {
			pkg.checked = policy
			continue
		}
		if m := build.FindStringSubmatch(line); m != nil {
			pkg.builds[m[2]], pkg.flags[m[2]] = m[1], line
		}
		if strings.HasPrefix(line, "go run ./deploy/pack ") {
			args := strings.Fields(strings.TrimPrefix(line, "go run ./deploy/pack "))
			p := packCommand{executables: map[string]string{}}
			var zip, dir string
			for i := 0; i+1 < len(args); i += 2 {
				switch args[i] {
				case "-o":
					zip = args[i+1]
				case "-dir":
					dir = args[i+1]
				case "-x":
					name, file, _ := strings.Cut(args[i+1], "=")
					p.executables[name] = file
				case "-policy":
					p.policy = args[i+1]
				}
			}
			pkg.zips[zip] = p
			if dir != "" {
				pkg.unpacks[zip] = dir
			}
		}
	}
	require.Contains(t, pkg.zips, "dist/scf.zip", "make -n package-scf:\n%s", out)
	return pkg
}
