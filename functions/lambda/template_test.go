package main

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/subgate/subgate/pkg/config"
)

// samTemplate is the part of template.yaml the build and the code must agree with.
type samTemplate struct {
	Parameters map[string]struct {
		Type    string `yaml:"Type"`
		Default string `yaml:"Default"`
		NoEcho  bool   `yaml:"NoEcho"`
	} `yaml:"Parameters"`
	Resources map[string]struct {
		Type     string `yaml:"Type"`
		Metadata struct {
			BuildMethod string `yaml:"BuildMethod"`
		} `yaml:"Metadata"`
		Properties struct {
			CodeURI       string   `yaml:"CodeUri"`
			Handler       string   `yaml:"Handler"`
			Runtime       string   `yaml:"Runtime"`
			Architectures []string `yaml:"Architectures"`
			MemorySize    int      `yaml:"MemorySize"`
			Timeout       int      `yaml:"Timeout"`
			Environment   struct {
				Variables map[string]yaml.Node `yaml:"Variables"`
			} `yaml:"Environment"`
			Events map[string]struct {
				Type       string `yaml:"Type"`
				Properties struct {
					Method string `yaml:"Method"`
					Path   string `yaml:"Path"`
				} `yaml:"Properties"`
			} `yaml:"Events"`
		} `yaml:"Properties"`
	} `yaml:"Resources"`
	Outputs map[string]struct {
		Value yaml.Node `yaml:"Value"`
	} `yaml:"Outputs"`
}

// goArch is the GOARCH each Lambda architecture runs.
var goArch = map[string]string{"arm64": "arm64", "x86_64": "amd64"}

func TestTemplateMatchesBuildAndCode(t *testing.T) {
	var tmpl samTemplate
	require.NoError(t, yaml.Unmarshal(readFile(t, repoRoot, "template.yaml"), &tmpl))
	makefile := string(readFile(t, repoRoot, "Makefile"))

	var functions []string
	for id, r := range tmpl.Resources {
		if r.Type == "AWS::Serverless::Function" {
			functions = append(functions, id)
		}
	}
	require.Len(t, functions, 1, "template.yaml has one function")
	id := functions[0]
	fn := tmpl.Resources[id].Properties

	t.Run("BuiltByTheMakefileLikePackageLambda", func(t *testing.T) {
		assert.Equal(t, "makefile", tmpl.Resources[id].Metadata.BuildMethod)
		assert.Equal(t, ".", fn.CodeURI, "sam build runs the top-level Makefile")
		assert.Equal(t, []string{"package-lambda"}, prerequisites(t, makefile, "build-"+id),
			"sam build's target builds what make package-lambda builds")
		assert.Contains(t, recipe(t, makefile, "build-"+id), `$(PACK) -o dist/lambda.zip -dir "$(ARTIFACTS_DIR)" -x bootstrap=$(LAMBDA_BIN) -policy $(POLICY)`)
	})
	t.Run("HandlerIsTheBootstrapInTheZip", func(t *testing.T) {
		assert.Equal(t, "bootstrap", fn.Handler)
		build := recipe(t, makefile, "package-lambda")
		assert.True(t, strings.HasPrefix(build, "$(PACK) -check -policy $(POLICY)\n"), "the policy is checked before anything is built")
		assert.Contains(t, build, "$(LAMBDA_BUILD) -o $(LAMBDA_BIN) ./functions/lambda")
		assert.Contains(t, build, "-x "+fn.Handler+"=$(LAMBDA_BIN)")
		assert.Equal(t, "bin/linux_$(ARCH)/lambda", variable(t, makefile, "LAMBDA_BIN"), "built outside dist/, which only pack writes")
	})
	t.Run("RuntimeIsTheOSOnlyRuntimeTheBuildTargets", func(t *testing.T) {
		assert.Equal(t, "provided.al2023", fn.Runtime)
		build := variable(t, makefile, "LAMBDA_BUILD")
		for _, want := range []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=$(ARCH)", "-tags lambda.norpc"} {
			assert.Contains(t, build, want)
		}
	})
	t.Run("ArchitectureIsTheMakefilesDefault", func(t *testing.T) {
		require.Len(t, fn.Architectures, 1)
		assert.Equal(t, "arm64", fn.Architectures[0])
		assert.Equal(t, goArch[fn.Architectures[0]], variable(t, makefile, "ARCH"))
	})
	t.Run("SizeAndTimeout", func(t *testing.T) {
		assert.Equal(t, 128, fn.MemorySize)
		assert.Equal(t, 3, fn.Timeout, "longer than Chat's 2 s wait and the longest SUBGATE_FORWARD_TIMEOUT (1.8 s)")
	})
	t.Run("EveryEnvironmentVariableIsOneTheProgramReads", func(t *testing.T) {
		require.NotEmpty(t, fn.Environment.Variables)
		for name := range fn.Environment.Variables {
			assert.Contains(t, config.Variables, name)
		}
		assert.Contains(t, fn.Environment.Variables, config.EnvSdkAppID)
	})
	t.Run("ParametersBehindTheVariables", func(t *testing.T) {
		param := func(env string) string {
			node := fn.Environment.Variables[env]
			require.Equal(t, "!Ref", node.Tag, "%s is set from a parameter", env)
			require.Contains(t, tmpl.Parameters, node.Value)
			return node.Value
		}
		assert.True(t, tmpl.Parameters[param(config.EnvToken)].NoEcho, "the token parameter is NoEcho")
		assert.Equal(t, "policy.yaml", tmpl.Parameters[param(config.EnvPolicyFile)].Default, "the name deploy/pack gives the bundled policy")
		param(config.EnvSdkAppID)
	})
	t.Run("HTTPAPIPostEvent", func(t *testing.T) {
		var posts []string
		for _, e := range fn.Events {
			if e.Type == "HttpApi" && e.Properties.Method == "POST" {
				posts = append(posts, e.Properties.Path)
			}
		}
		slices.Sort(posts)
		assert.Equal(t, []string{"/", "/{proxy+}"}, posts)
		assert.Contains(t, tmpl.Outputs["WebhookUrl"].Value.Value, "${ServerlessHttpApi}", "the output is the HTTP API's URL")
	})
}

// variable is the value a Makefile gives name with = or ?=.
func variable(t *testing.T, makefile, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `\s*\??=\s*(.*)$`).FindStringSubmatch(makefile)
	require.NotNil(t, m, "Makefile sets %s", name)
	return strings.TrimSpace(m[1])
}

// prerequisites are the prerequisites of a Makefile target.
func prerequisites(t *testing.T, makefile, target string) []string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(target) + `:(.*)$`).FindStringSubmatch(makefile)
	require.NotNil(t, m, "Makefile has a target %s", target)
	return strings.Fields(m[1])
}

// recipe is the recipe of a Makefile target: its tab-indented lines.
func recipe(t *testing.T, makefile, target string) string {
	t.Helper()
	_, rest, found := strings.Cut(makefile, "\n"+target+":")
	require.True(t, found, "Makefile has a target %s", target)
	var lines []string
	for _, line := range strings.Split(rest, "\n")[1:] {
		if !strings.HasPrefix(line, "\t") {
			break
		}
		lines = append(lines, strings.TrimPrefix(line, "\t"))
	}
	return strings.Join(lines, "\n")
}
