package main

import (
	"flag"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOverview(t *testing.T) {
	none := subgate(t, nil)
	assert.Equal(t, exitUsage, none.exit, "no command is bad usage")
	assert.Empty(t, none.stdout)
	golden(t, "overview", result{stdout: none.stderr})

	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		help := subgate(t, nil, args...)
		assert.Equal(t, exitOK, help.exit, "%v", args)
		assert.Equal(t, none.stderr, help.stdout, "%v asks for the overview: on stdout", args)
		assert.Empty(t, help.stderr)
	}
	for _, v := range verbs {
		assert.Contains(t, none.stderr, "\n  "+v.name+" ", "the overview lists %s", v.name)
	}
}

func TestUnknownCommand(t *testing.T) {
	r := subgate(t, nil, "chek", "policy.yaml")
	assert.Equal(t, exitUsage, r.exit)
	assert.Empty(t, r.stdout)
	assert.True(t, strings.HasPrefix(r.stderr, "subgate: unknown command \"chek\"\n\nsubgate: check, test"), r.stderr)

	r = subgate(t, nil, "help", "chek")
	assert.Equal(t, exitUsage, r.exit)
	assert.Contains(t, r.stderr, `subgate help: unknown command "chek"`)
	r = subgate(t, nil, "help", "check", "eval")
	assert.Equal(t, exitUsage, r.exit)
}

// Each verb's help, asked three ways, is the same text on stdout, with status 0: its usage and
// flags, what it does, its exit statuses and examples.
func TestHelpOfEachVerb(t *testing.T) {
	for _, v := range verbs {
		t.Run(v.name, func(t *testing.T) {
			help := subgate(t, nil, "help", v.name)
			assert.Equal(t, exitOK, help.exit)
			assert.Empty(t, help.stderr)
			golden(t, "help-"+v.name, help)
			for _, args := range [][]string{{v.name, "-h"}, {v.name, "--help"}, {v.name, "-help"}} {
				assert.Equal(t, help, subgate(t, nil, args...), "%v", args)
			}
			assert.True(t, strings.HasPrefix(help.stdout, "usage: subgate "+v.name), help.stdout)
			assert.Contains(t, help.stdout, "\nExit status: ")
			assert.Contains(t, help.stdout, "\nExamples:\n  ")
			v.flagSet(&options{}).VisitAll(func(f *flag.Flag) {
				assert.Contains(t, help.stdout, "\n  -"+f.Name, "the help lists -%s", f.Name)
				assert.Contains(t, v.synopsis, "-"+f.Name, "the synopsis shows -%s", f.Name)
			})
		})
	}
}

// Bad usage: status 2, the problem and the verb's usage on stderr, nothing on stdout.
func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args    []string
		problem string
	}{
		{[]string{"check"}, "give one POLICY, not 0 arguments"},
		{[]string{"check", "a.yaml", "b.yaml"}, "give one POLICY, not 2 arguments"},
		{[]string{"check", "a.yaml", "-stric"}, "flag provided but not defined: -stric"},
		{[]string{"test", "testdata/policy.yaml"}, "give POLICY and CASES, not 1 arguments"},
		{[]string{"eval"}, "give a POLICY, then a CHANNEL and SUBSCRIBERs (or -body FILE)"},
		{[]string{"eval", "testdata/policy.yaml", "@TOA#_news"}, "give POLICY CHANNEL SUBSCRIBER... (at least one subscriber)"},
		{[]string{"eval", "testdata/policy.yaml", "news", "jared"}, `CHANNEL is an Official Channel ID, starting @TOA#_, not "news"`},
		{[]string{"eval", "testdata/policy.yaml", "@TOA#_news", "jared", "-body", "b.json"}, "with -body, give only POLICY"},
		{[]string{"eval", "testdata/policy.yaml", "-body", "b.json", "-operator", "x"}, "with -body, the body names the request: -operator and -group are not taken"},
		{[]string{"eval", "testdata/policy.yaml", "@TOA#_news", "jared", "-at", "tomorrow"},
			`invalid value "tomorrow" for flag -at: want an RFC 3339 time like 2026-12-01T00:00:00Z, not "tomorrow"`},
		{[]string{"eval", "testdata/policy.yaml", "@TOA#_news", "jared", "-operator"}, "flag needs an argument: -operator"},
		{[]string{"bundle", "testdata/policy.yaml"}, "-o FILE is required"},
		{[]string{"bundle", "-o", "x.bundle"}, "give one POLICY, not 0 arguments"},
		{[]string{"sign", "my-token"}, "takes no arguments: the token is read from SUBGATE_TOKEN, never from the command line"},
		{[]string{"sign", "-time", "-5"}, "-time is Unix seconds, 0 or more"},
		{[]string{"sign", "-time", "soon"}, `invalid value "soon" for flag -time`},
		{[]string{"version", "now"}, "takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := subgate(t, map[string]string{"SUBGATE_TOKEN": "t"}, tt.args...)
			assert.Equal(t, exitUsage, r.exit)
			assert.Empty(t, r.stdout)
			require.True(t, strings.HasPrefix(r.stderr, "subgate "+tt.args[0]+": "), r.stderr)
			assert.Contains(t, r.stderr, tt.problem)
			assert.Contains(t, r.stderr, "\nusage: subgate "+tt.args[0])
			assert.True(t, strings.HasSuffix(r.stderr, "Run 'subgate help "+tt.args[0]+"' for more.\n"), r.stderr)
		})
	}
}

func TestParseInterspersed(t *testing.T) {
	tests := []struct {
		args, positional []string
		json             bool
		operator         string
	}{
		{[]string{"p.yaml", "-json"}, []string{"p.yaml"}, true, ""},
		{[]string{"-json", "p.yaml"}, []string{"p.yaml"}, true, ""},
		{[]string{"p", "@TOA#_a", "x", "-operator", "op", "y", "-json"}, []string{"p", "@TOA#_a", "x", "y"}, true, "op"},
		{[]string{"p", "@TOA#_a", "--", "-x", "-json"}, []string{"p", "@TOA#_a", "-x", "-json"}, false, ""},
		{[]string{"--", "-p"}, []string{"-p"}, false, ""},
		{[]string{"p", "-", "x"}, []string{"p", "-", "x"}, false, ""},
	}
	for _, tt := range tests {
		o := &options{}
		got, err := parseInterspersed(evalVerb.flagSet(o), tt.args)
		require.NoError(t, err, "%v", tt.args)
		assert.Equal(t, tt.positional, got, "%v", tt.args)
		assert.Equal(t, tt.json, o.json, "%v", tt.args)
		assert.Equal(t, tt.operator, o.operator, "%v", tt.args)
	}
}
