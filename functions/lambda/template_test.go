package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/source"
)

// samTemplate is the part of template.yaml the build and the code must agree with.
type samTemplate struct {
	Parameters map[string]struct {
		Type          string   `yaml:"Type"`
		Default       string   `yaml:"Default"`
		NoEcho        bool     `yaml:"NoEcho"`
		AllowedValues []string `yaml:"AllowedValues"`
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
		assert.Equal(t, 160, fn.MemorySize, "a 1,000,000-entry bundle swapped for another peaks at 143.8 MiB (make bench)")
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
		assert.True(t, tmpl.Parameters["WebhookToken"].NoEcho, "the token parameter is NoEcho")
		assert.Equal(t, "policy.yaml", tmpl.Parameters[param(config.EnvPolicyFile)].Default, "the name deploy/pack gives the bundled policy")
		param(config.EnvSdkAppID)
		failMode := tmpl.Parameters[param(config.EnvFailMode)]
		assert.Equal(t, config.FailClosed, failMode.Default, "closed unless the deployer chooses open")
		assert.Equal(t, []string{config.FailClosed, config.FailOpen}, failMode.AllowedValues)
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

// sam build builds in the checkout, as make does, instead of copying the whole checkout (bin/ and
// dist/ with it) into a scratch folder first: samconfig.toml says so to the SAM CLI, whose makefile
// workflow builds in the source when asked (aws-lambda-builders' CustomMakeWorkflow).
func TestSamBuildsInTheCheckout(t *testing.T) {
	settings := readSamConfig(t, string(readFile(t, repoRoot, "samconfig.toml")))
	assert.Equal(t, "0.1", settings[""]["version"], "the configuration format the SAM CLI reads")
	assert.Equal(t, "true", settings["default.build.parameters"]["build_in_source"])
}

// readSamConfig reads the part of TOML a samconfig.toml uses: [table] headers and key = value lines,
// by table ("" before the first), values as written (strings without their quotes).
func readSamConfig(t *testing.T, text string) map[string]map[string]string {
	t.Helper()
	settings := map[string]map[string]string{"": {}}
	table := ""
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			table = strings.Trim(line, "[] ")
			settings[table] = map[string]string{}
		default:
			key, value, ok := strings.Cut(line, "=")
			require.True(t, ok, "samconfig.toml line %d: %q", i+1, line)
			settings[table][strings.TrimSpace(key)] = strings.Trim(strings.TrimSpace(value), `"`)
		}
	}
	return settings
}

// The policy store: with PolicyBucket and PolicyKey, the function fetches its bundle from
// s3://PolicyBucket/PolicyKey and its role may read that one object; with neither, no URL and no
// S3 permission; with one alone, CloudFormation refuses the stack (the template's rule).
func TestTemplatePolicyStore(t *testing.T) {
	tmpl := readTemplate(t)
	const bucket, key = "my-bucket", "subgate/policy.bundle"
	readBundle := []any{map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::" + bucket + "/" + key,
		}},
	}}
	tests := []struct {
		name     string
		params   map[string]string
		accepted bool           // the template's rules hold
		env      map[string]any // the policy store's variables the function gets
		policies []any          // the function's Policies
	}{
		{"BucketAndKey", map[string]string{"PolicyBucket": bucket, "PolicyKey": key}, true,
			map[string]any{config.EnvPolicyURL: "s3://" + bucket + "/" + key, config.EnvPolicyRefresh: "30s"}, readBundle},
		{"Neither", nil, true, map[string]any{}, []any{}},
		{"BucketAlone", map[string]string{"PolicyBucket": bucket}, false, map[string]any{}, []any{}},
		{"KeyAlone", map[string]string{"PolicyKey": key}, false, map[string]any{}, []any{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := newEvaluator(t, tmpl, tt.params)
			rule := asMap(t, tmpl["Rules"])["PolicyBucketWithPolicyKey"]
			for _, assertion := range asList(t, asMap(t, rule)["Assertions"]) {
				assert.Equal(t, tt.accepted, ev.eval(asMap(t, assertion)["Assert"]), "rule PolicyBucketWithPolicyKey")
			}
			fn := asMap(t, asMap(t, asMap(t, tmpl["Resources"])["WebhookFunction"])["Properties"])
			vars := asMap(t, asMap(t, ev.eval(fn["Environment"]))["Variables"])
			store := map[string]any{}
			for _, name := range []string{config.EnvPolicyURL, config.EnvS3Endpoint, config.EnvS3Region, config.EnvS3PathStyle,
				config.EnvPolicyRefresh, config.EnvPolicyFetchTimeout} {
				if value, ok := vars[name]; ok {
					store[name] = value
				}
			}
			assert.Equal(t, tt.env, store)
			assert.Equal(t, tt.policies, ev.eval(fn["Policies"]))
		})
	}
	t.Run("GeneratedRole", func(t *testing.T) {
		// The role SAM makes for the function: the basic execution role's managed policy, and the
		// bundle's statement only when both parameters are set.
		translated := samTranslate(t)
		basic := []any{"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}
		for _, tt := range tests[:2] {
			ev := newEvaluator(t, translated, tt.params)
			role := asMap(t, asMap(t, asMap(t, translated["Resources"])["WebhookFunctionRole"])["Properties"])
			assert.Equal(t, basic, ev.eval(role["ManagedPolicyArns"]), tt.name)
			want := []any{}
			for i, document := range tt.policies {
				want = append(want, map[string]any{"PolicyName": fmt.Sprintf("WebhookFunctionRolePolicy%d", i), "PolicyDocument": document})
			}
			assert.Equal(t, want, ev.eval(role["Policies"]), tt.name)
		}
	})
	t.Run("ParametersAreOptional", func(t *testing.T) {
		params := asMap(t, tmpl["Parameters"])
		for _, name := range []string{"PolicyBucket", "PolicyKey"} {
			assert.Equal(t, "", asMap(t, params[name])["Default"], "%s is optional", name)
		}
		assert.Equal(t, source.DefaultRefresh.String(), asMap(t, params["PolicyRefresh"])["Default"], "the program's default")
	})
	t.Run("PolicyRefreshTakesWhatTheFunctionTakes", func(t *testing.T) {
		// A value the template took and the function refused would deploy a function that answers
		// every request 500; the template takes a plain subset of what the function takes.
		pattern := regexp.MustCompile(asMap(t, asMap(t, tmpl["Parameters"])["PolicyRefresh"])["AllowedPattern"].(string))
		takes := func(value string) error { // as gate.FromEnv judges it
			cfg, err := config.FromEnv(func(k string) string {
				return map[string]string{config.EnvSdkAppID: "1", config.EnvPolicyURL: "s3://bucket/key", config.EnvAWSRegion: "us-east-1", config.EnvPolicyRefresh: value}[k]
			})
			if err == nil {
				_, err = source.New(cfg, slog.New(slog.DiscardHandler))
			}
			return err
		}
		for _, value := range []string{"5s", "30s", "90s", "1m", "5m", "60m", "4s", "0s", "1s", "100ms", "4999ms", "1h", "1.5m", "30"} {
			if pattern.MatchString(value) {
				assert.NoError(t, takes(value), "the template takes %s, so the function must", value)
			}
		}
		for _, refused := range []string{"4s", "1s", "100ms", "4999ms"} {
			assert.False(t, pattern.MatchString(refused), "%s is under the function's minimum", refused)
			assert.Error(t, takes(refused), "the function refuses %s", refused)
		}
	})
}

// The webhook token: WebhookToken, or WebhookTokenSecret (a Secrets Manager secret resolved by
// CloudFormation when the stack is made or updated: nothing reads it at run time), not both; and
// EnvironmentKey, a customer-managed key for the function's environment, or Lambda's own key.
func TestTemplateToken(t *testing.T) {
	tmpl := readTemplate(t)
	const key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	tests := []struct {
		name     string
		params   map[string]string
		accepted bool
		token    any // SUBGATE_TOKEN as the function gets it
		kmsKey   any // the function's KmsKeyArn; nil for none
	}{
		{"None", nil, true, "", nil},
		{"Token", map[string]string{"WebhookToken": "my-webhook-token"}, true, "my-webhook-token", nil},
		{"Secret", map[string]string{"WebhookTokenSecret": "subgate/webhook-token"}, true, "{{resolve:secretsmanager:subgate/webhook-token}}", nil},
		{"SecretByARN", map[string]string{"WebhookTokenSecret": "arn:aws:secretsmanager:us-east-1:123456789012:secret:subgate-AbCdEf"}, true,
			"{{resolve:secretsmanager:arn:aws:secretsmanager:us-east-1:123456789012:secret:subgate-AbCdEf}}", nil},
		{"Both", map[string]string{"WebhookToken": "t", "WebhookTokenSecret": "s"}, false, "{{resolve:secretsmanager:s}}", nil},
		{"EnvironmentKey", map[string]string{"WebhookToken": "t", "EnvironmentKey": key}, true, "t", key},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := newEvaluator(t, tmpl, tt.params)
			accepted := true
			for _, rule := range asMap(t, tmpl["Rules"]) {
				for _, assertion := range asList(t, asMap(t, rule)["Assertions"]) {
					accepted = accepted && ev.eval(asMap(t, assertion)["Assert"]).(bool)
				}
			}
			assert.Equal(t, tt.accepted, accepted, "the template's rules")
			assert.Equal(t, tt.token, tokenOf(t, ev, asMap(t, asMap(t, tmpl["Resources"])["WebhookFunction"])))
			assert.Equal(t, tt.kmsKey, kmsKeyOf(t, ev, asMap(t, asMap(t, tmpl["Resources"])["WebhookFunction"])))
		})
	}
	t.Run("ParametersAreOptional", func(t *testing.T) {
		params := asMap(t, tmpl["Parameters"])
		for _, name := range []string{"WebhookToken", "WebhookTokenSecret", "EnvironmentKey"} {
			assert.Equal(t, "", asMap(t, params[name])["Default"], "%s is optional", name)
		}
		pattern := regexp.MustCompile(asMap(t, params["EnvironmentKey"])["AllowedPattern"].(string))
		assert.True(t, pattern.MatchString(key))
		assert.True(t, pattern.MatchString(""))
		assert.False(t, pattern.MatchString("alias/subgate"), "Lambda takes a key's ARN")
	})
	t.Run("Translated", func(t *testing.T) {
		// SAM hands both to the Lambda function it makes.
		translated := samTranslate(t)
		ev := newEvaluator(t, translated, map[string]string{"WebhookTokenSecret": "subgate/webhook-token", "EnvironmentKey": key})
		var fn map[string]any
		for _, r := range asMap(t, translated["Resources"]) {
			if asMap(t, r)["Type"] == "AWS::Lambda::Function" {
				fn = asMap(t, r)
			}
		}
		require.NotNil(t, fn, "SAM makes a Lambda function")
		assert.Equal(t, key, kmsKeyOf(t, ev, fn))
		assert.Equal(t, "{{resolve:secretsmanager:subgate/webhook-token}}", tokenOf(t, ev, fn))
	})
}

// tokenOf is SUBGATE_TOKEN as the function resource fn gets it.
func tokenOf(t *testing.T, ev *evaluator, fn map[string]any) any {
	t.Helper()
	env := asMap(t, asMap(t, fn["Properties"])["Environment"])
	return ev.eval(asMap(t, env["Variables"])[config.EnvToken])
}

// kmsKeyOf is the key the function resource fn's environment is encrypted with: nil for Lambda's own.
func kmsKeyOf(t *testing.T, ev *evaluator, fn map[string]any) any {
	t.Helper()
	key, ok := asMap(t, fn["Properties"])["KmsKeyArn"]
	if !ok {
		return nil
	}
	if r := ev.eval(key); r != (noValue{}) {
		return r
	}
	return nil
}

// samTranslate translates template.yaml with the SAM translator, as sam deploy has CloudFormation
// do: aws-sam-translator, which cfn-lint (make lint) depends on and runs. Without it the test fails
// saying what to install, as make lint does without cfn-lint: it never skips.
func samTranslate(t *testing.T) map[string]any {
	t.Helper()
	const script = `
import json, sys
try:
    from samtranslator.translator.transform import transform
    from samtranslator.yaml_helper import yaml_parse
except ImportError as e:
    print(e, file=sys.stderr)
    sys.exit(3)
class NoManagedPolicies:
    def load(self):
        return {}
template = yaml_parse(open("template.yaml").read())
# What sam build and sam package put in CodeUri, which the translator requires.
template["Resources"]["WebhookFunction"]["Properties"]["CodeUri"] = "s3://bucket/lambda.zip"
print(json.dumps(transform(template, {"SdkAppId": "1400000001"}, NoManagedPolicies())))
`
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 is not installed: install cfn-lint (pip install cfn-lint), which brings the SAM translator")
	}
	cmd := exec.Command(python, "-c", script)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "AWS_DEFAULT_REGION=us-east-1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if exit := (*exec.ExitError)(nil); errors.As(err, &exit) && exit.ExitCode() == 3 {
		t.Fatalf("the SAM translator is not installed (%s): install cfn-lint (pip install cfn-lint), which brings it", strings.TrimSpace(stderr.String()))
	}
	require.NoError(t, err, "the SAM translator:\n%s", stderr.String())
	var translated map[string]any
	require.NoError(t, json.Unmarshal(out, &translated))
	return translated
}

// readTemplate reads template.yaml as CloudFormation's JSON form: its short-form tags (!Ref, !Sub,
// !If, ...) become the objects they stand for ({"Ref": ...}, {"Fn::Sub": ...}, ...).
func readTemplate(t *testing.T) map[string]any {
	t.Helper()
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal(readFile(t, repoRoot, "template.yaml"), &doc))
	return asMap(t, longForm(t, doc.Content[0]))
}

func longForm(t *testing.T, n *yaml.Node) any {
	t.Helper()
	var v any
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = longForm(t, n.Content[i+1])
		}
		v = m
	case yaml.SequenceNode:
		l := []any{}
		for _, c := range n.Content {
			l = append(l, longForm(t, c))
		}
		v = l
	case yaml.ScalarNode:
		v = n.Value
		if n.Tag == "!!int" || n.Tag == "!!bool" {
			require.NoError(t, n.Decode(&v))
		}
	default:
		t.Fatalf("template.yaml line %d: unexpected YAML node", n.Line)
	}
	switch tag := strings.TrimPrefix(n.Tag, "!"); {
	case !strings.HasPrefix(n.Tag, "!") || strings.HasPrefix(n.Tag, "!!"):
		return v
	case tag == "Ref" || tag == "Condition":
		return map[string]any{tag: v}
	default:
		return map[string]any{"Fn::" + tag: v}
	}
}

// evaluator resolves the intrinsic functions a template's properties use, for given parameter
// values, as CloudFormation does when it makes the stack: Ref, Fn::Sub, Fn::If, the condition
// functions, and AWS::NoValue (which removes the key or item that holds it).
type evaluator struct {
	t          *testing.T
	params     map[string]string
	conditions map[string]bool
	raw        map[string]any // the template's conditions, resolved on first use (one may name another)
}

// noValue stands for AWS::NoValue until it is removed.
type noValue struct{}

func newEvaluator(t *testing.T, tmpl map[string]any, params map[string]string) *evaluator {
	t.Helper()
	ev := &evaluator{t: t, params: map[string]string{"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::StackName": "subgate"},
		conditions: map[string]bool{}}
	for name, p := range asMap(t, tmpl["Parameters"]) {
		ev.params[name] = fmt.Sprint(asMap(t, p)["Default"])
	}
	for name, value := range params {
		ev.params[name] = value
	}
	ev.raw = asMap(t, tmpl["Conditions"])
	for name := range ev.raw {
		ev.condition(name)
	}
	return ev
}

// condition resolves the template's condition name.
func (ev *evaluator) condition(name string) bool {
	t := ev.t
	t.Helper()
	if holds, ok := ev.conditions[name]; ok {
		return holds
	}
	c, ok := ev.raw[name]
	require.True(t, ok, "no condition %s", name)
	holds, ok := ev.eval(c).(bool)
	require.True(t, ok, "condition %s is not a condition", name)
	ev.conditions[name] = holds
	return holds
}

func (ev *evaluator) eval(v any) any {
	t := ev.t
	t.Helper()
	switch v := v.(type) {
	case []any:
		out := []any{}
		for _, item := range v {
			if r := ev.eval(item); r != (noValue{}) {
				out = append(out, r)
			}
		}
		return out
	case map[string]any:
		if len(v) == 1 {
			for fn, arg := range v {
				if r, ok := ev.function(fn, arg); ok {
					return r
				}
			}
		}
		out := map[string]any{}
		for k, item := range v {
			if r := ev.eval(item); r != (noValue{}) {
				out[k] = r
			}
		}
		return out
	default:
		return v
	}
}

// function resolves one intrinsic function; ok is false when fn is not one.
func (ev *evaluator) function(fn string, arg any) (any, bool) {
	t := ev.t
	t.Helper()
	switch fn {
	case "Ref":
		if arg == "AWS::NoValue" {
			return noValue{}, true
		}
		value, ok := ev.params[fmt.Sprint(arg)]
		require.True(t, ok, "Ref %v names no parameter", arg)
		return value, true
	case "Condition":
		return ev.condition(fmt.Sprint(arg)), true
	case "Fn::Sub":
		s, ok := arg.(string)
		require.True(t, ok, "Fn::Sub of %v", arg)
		return regexp.MustCompile(`\$\{([^}]+)\}`).ReplaceAllStringFunc(s, func(ref string) string {
			value, ok := ev.params[ref[2:len(ref)-1]]
			require.True(t, ok, "Fn::Sub names %s, no parameter", ref)
			return value
		}), true
	case "Fn::If":
		args := asList(t, arg)
		require.Len(t, args, 3)
		if ev.condition(fmt.Sprint(args[0])) {
			return ev.eval(args[1]), true
		}
		return ev.eval(args[2]), true
	case "Fn::Equals":
		args := asList(t, ev.eval(arg))
		require.Len(t, args, 2)
		return args[0] == args[1], true
	case "Fn::Not":
		args := asList(t, ev.eval(arg))
		require.Len(t, args, 1)
		return !args[0].(bool), true
	case "Fn::And", "Fn::Or":
		and := fn == "Fn::And"
		for _, c := range asList(t, ev.eval(arg)) {
			if c.(bool) != and {
				return !and, true
			}
		}
		return and, true
	}
	return nil, false
}

func asMap(t *testing.T, v any) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	require.True(t, ok, "not a mapping: %v", v)
	return m
}

func asList(t *testing.T, v any) []any {
	t.Helper()
	l, ok := v.([]any)
	require.True(t, ok, "not a list: %v", v)
	return l
}
