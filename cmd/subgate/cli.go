package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// The exit statuses every command uses.
const (
	exitOK    = 0 // done: the policy is valid, the cases pass, the request was decided, ...
	exitFail  = 1 // the policy (or a file) is invalid, a case fails, nothing was decided: each verb says which
	exitUsage = 2 // bad usage: the usage goes to stderr
)

// cli is what a command runs with: its output streams, its environment and its clock. main gives it
// the process's; tests give it their own.
type cli struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	now            func() time.Time
	verb           *verb // the verb running, for its messages
}

// verb is one of subgate's commands.
type verb struct {
	name     string
	synopsis string   // the arguments, after "subgate NAME"
	summary  string   // one line, for the list of commands
	about    string   // what it does, in a few paragraphs
	exit     string   // its exit statuses
	examples []string // command lines, shown under Examples
	// flags declares the verb's flags, bound to o.
	flags func(fs *flag.FlagSet, o *options)
	// run runs the verb with its flags parsed into o and its other arguments in args.
	run func(c *cli, o *options, args []string) int
}

// options are every verb's flags; each verb declares the ones it takes.
type options struct {
	json, strict, verbose bool
	group                 bool
	operator, body, out   string
	at                    timeFlag
	time                  int64
}

// verbs are subgate's commands, in the order its help lists them.
var verbs []*verb

func init() {
	verbs = []*verb{checkVerb, testVerb, evalVerb, bundleVerb, signVerb, versionVerb}
}

func findVerb(name string) *verb {
	for _, v := range verbs {
		if v.name == name {
			return v
		}
	}
	return nil
}

// run runs the command line args (without the program's name) and returns the exit status.
func (c *cli) run(args []string) int {
	if len(args) == 0 {
		overview(c.stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		return c.help(args[1:])
	case "-version", "--version":
		args = []string{"version"}
	}
	v := findVerb(args[0])
	if v == nil {
		fmt.Fprintf(c.stderr, "subgate: unknown command %q\n\n", args[0])
		overview(c.stderr)
		return exitUsage
	}
	c.verb = v
	o := &options{}
	fs := v.flagSet(o)
	positional, err := parseInterspersed(fs, args[1:])
	switch {
	case errors.Is(err, flag.ErrHelp):
		v.writeHelp(c.stdout)
		return exitOK
	case err != nil:
		return c.usageError(err.Error())
	}
	return v.run(c, o, positional)
}

// help is `subgate help [COMMAND]`.
func (c *cli) help(args []string) int {
	switch {
	case len(args) == 0:
		overview(c.stdout)
		return exitOK
	case len(args) > 1:
		fmt.Fprintln(c.stderr, "subgate help: give one command, or none")
		overview(c.stderr)
		return exitUsage
	}
	v := findVerb(args[0])
	if v == nil {
		fmt.Fprintf(c.stderr, "subgate help: unknown command %q\n\n", args[0])
		overview(c.stderr)
		return exitUsage
	}
	v.writeHelp(c.stdout)
	return exitOK
}

// overview writes subgate's own help: its commands.
func overview(w io.Writer) {
	fmt.Fprint(w, "subgate: check, test, evaluate and bundle subgate policies.\n\nusage: subgate COMMAND [ARGUMENTS]\n\nCommands:\n")
	for _, v := range verbs {
		fmt.Fprintf(w, "  %-8s %s\n", v.name, v.summary)
	}
	fmt.Fprint(w, "\nRun 'subgate help COMMAND' (or subgate COMMAND -h) for a command's flags and examples.\n"+
		"Exit statuses: 0 success, 1 an invalid or failing policy (each command says), 2 bad usage.\n"+
		"The guide: docs/policy-tools.md.\n")
}

// usageError reports bad usage of the verb running: the problem, then its usage, on stderr; exit
// status 2.
func (c *cli) usageError(problem string) int {
	v := c.verb
	fmt.Fprintf(c.stderr, "subgate %s: %s\n", v.name, problem)
	v.writeUsage(c.stderr)
	fmt.Fprintf(c.stderr, "Run 'subgate help %s' for more.\n", v.name)
	return exitUsage
}

// fail reports that the verb running could not do its work (exit status 1): the problem, on stderr.
func (c *cli) fail(problem error) int {
	fmt.Fprintf(c.stderr, "subgate %s: %s\n", c.verb.name, problem)
	return exitFail
}

// flagSet is v's flags, bound to o. Parsing reports its errors to the caller, and writes nothing.
func (v *verb) flagSet(o *options) *flag.FlagSet {
	fs := flag.NewFlagSet("subgate "+v.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if v.flags != nil {
		v.flags(fs, o)
	}
	return fs
}

// writeUsage writes the usage line and the flags.
func (v *verb) writeUsage(w io.Writer) {
	fmt.Fprintln(w, strings.TrimSpace("usage: subgate "+v.name+" "+v.synopsis))
	fs := v.flagSet(&options{})
	if hasFlags(fs) {
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
}

// writeHelp writes the verb's whole help: usage and flags, what it does, exit statuses, examples.
func (v *verb) writeHelp(w io.Writer) {
	v.writeUsage(w)
	fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(v.about))
	if v.exit != "" {
		fmt.Fprintf(w, "\nExit status: %s\n", strings.TrimSpace(v.exit))
	}
	if len(v.examples) > 0 {
		fmt.Fprint(w, "\nExamples:\n")
		for _, e := range v.examples {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// parseInterspersed parses flags anywhere among args, as `subgate check POLICY -strict` writes
// them, and returns the other arguments in order. After "--" every argument is positional (for a
// subscriber ID that starts with "-").
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if consumed := args[:len(args)-len(rest)]; len(consumed) > 0 && consumed[len(consumed)-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// writeJSON writes v as one line of JSON (-json's output), without HTML escaping: the answers it
// holds stay byte for byte as the function writes them.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// timeFlag is a flag holding an RFC 3339 time, such as 2026-12-01T00:00:00Z.
type timeFlag struct {
	t   time.Time
	set bool
}

func (f *timeFlag) String() string {
	if !f.set {
		return ""
	}
	return f.t.Format(time.RFC3339)
}

func (f *timeFlag) Set(s string) error {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return fmt.Errorf("want an RFC 3339 time like 2026-12-01T00:00:00Z, not %q", s)
	}
	f.t, f.set = t, true
	return nil
}

// or is the flag's time when set, else fallback.
func (f *timeFlag) or(fallback time.Time) time.Time {
	if f.set {
		return f.t
	}
	return fallback
}
