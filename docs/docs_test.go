// Package docs holds subgate's reference pages; its test holds them to this: every local command a
// page shows is run by a test, so none can rot. A page's commands are run by the test named for it
// in pageTests, or here; only cloud commands (deploying, uploading to a store, installing a cloud's
// deploy tool) are shown and not run.
package docs

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/localrun"
	"github.com/subgate/subgate/internal/testkit"
	"github.com/subgate/subgate/internal/teststore"
	"github.com/subgate/subgate/internal/version"
	"github.com/subgate/subgate/pkg/policy"
)

// pageTests are the pages whose commands another test runs, each failing on a command of its page
// that it does not run: the test's file, which names the page.
var pageTests = map[string]string{
	"docs/local.md":        "functions/http/local_test.go",
	"docs/policy-tools.md": "cmd/subgate/docs_test.go",
}

// cloudCommands start the commands that deploy or upload to a cloud, or install a cloud's deploy
// tool: shown, not run.
var cloudCommands = []string{
	"npm install -g serverless-cloud-framework",
	"export SUBGATE_", // settings read by scf deploy
	"scf deploy",
	"sam build",
	"aws s3 cp ",
	"aws lambda ",
	"coscli cp ",
}

// command is a command a page shows: the lines of a shell block, continuations joined, without
// comments or a "$ " prompt.
type command struct {
	page, heading, text string
}

// commands reads the shell blocks of a page. In a block written as a session ("$ command" lines
// and their output), only the prompted lines are commands.
func commands(t *testing.T, page string) []command {
	t.Helper()
	var out []command
	for _, b := range testkit.ReadDoc(t, filepath.Join("..", page)) {
		if b.Lang != "sh" {
			continue
		}
		session := strings.HasPrefix(b.Text, "$ ")
		var joined string
		for line := range strings.Lines(b.Text) {
			line = strings.TrimRight(line, "\n")
			if session {
				if !strings.HasPrefix(line, "$ ") {
					continue
				}
				line = strings.TrimPrefix(line, "$ ")
			}
			if i := strings.Index(line, "  #"); i >= 0 {
				line = line[:i]
			}
			if strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			line = strings.TrimSpace(line)
			if cont, ok := strings.CutSuffix(line, `\`); ok {
				joined += cont
				continue
			}
			if line = joined + line; line != "" {
				out = append(out, command{page: page, heading: b.Heading, text: line})
			}
			joined = ""
		}
	}
	return out
}

func isCloud(c string) bool {
	for _, prefix := range cloudCommands {
		if strings.HasPrefix(c, prefix) {
			return true
		}
	}
	return false
}

// pages are README.md and every page of docs/ and docs/design/.
func pages(t *testing.T) []string {
	t.Helper()
	found, err := filepath.Glob("*.md")
	require.NoError(t, err)
	design, err := filepath.Glob("design/*.md")
	require.NoError(t, err)
	found = append(found, design...)
	all := []string{"README.md"}
	for _, f := range found {
		all = append(all, "docs/"+f)
	}
	return all
}

// TestEveryPageHasItsCommandsRun finds each page's runner: a test of pageTests (whose file names
// the page), or this package's test of that page.
func TestEveryPageHasItsCommandsRun(t *testing.T) {
	runHere := map[string]bool{"README.md": true, "docs/policy.md": true, "docs/answers.md": true, "docs/live-policy.md": true, "docs/benchmarks.md": true}
	for _, page := range pages(t) {
		var local []string
		for _, c := range commands(t, page) {
			if !isCloud(c.text) {
				local = append(local, c.text)
			}
		}
		if len(local) == 0 {
			continue
		}
		if file, ok := pageTests[page]; ok {
			src, err := os.ReadFile(filepath.Join("..", file))
			require.NoError(t, err)
			assert.Contains(t, string(src), page, "%s runs the commands of %s", file, page)
			continue
		}
		assert.True(t, runHere[page], "%s shows commands that no test runs: %q", page, local)
	}
}

// TestReadme runs the README's commands: the subgate commands here, in a copy of the repository; the
// local server's are the ones docs/local.md shows, which its test runs; make test is what CI runs.
func TestReadme(t *testing.T) {
	repo := testkit.CopyRepo(t, "..")
	local := map[string]bool{}
	for _, c := range commands(t, "docs/local.md") {
		local[c.text] = true
	}
	ci, err := os.ReadFile("../.ci/run")
	require.NoError(t, err)
	ran := 0
	for _, c := range commands(t, "README.md") {
		switch {
		case isCloud(c.text):
		case local[c.text]:
		case c.text == "make test":
			assert.Contains(t, string(ci), "make lint test", "CI runs make test")
		case c.text == "make package":
			// Run by the package tests (functions/scf/package_test.go: the target, with a good and
			// a broken policy) and by docs/policy-tools.md's test (with the example's cases).
			src, err := os.ReadFile("../functions/scf/package_test.go")
			require.NoError(t, err)
			assert.Contains(t, string(src), `runMake(repo, "package", `, "a test runs make package")
		case strings.HasPrefix(c.text, "go run ./cmd/subgate "):
			ran++
			out := testkit.RunShell(t, repo, c.text)
			assert.NotEmpty(t, out, c.text)
		default:
			t.Errorf("README.md shows %q, which no test runs", c.text)
		}
	}
	assert.Equal(t, 4, ran, "the README's subgate commands")
	_, err = os.Stat(filepath.Join(repo, "policy.bundle"))
	assert.NoError(t, err, "the README's bundle command wrote the bundle")
}

// TestPolicyRevisionRecipe runs docs/policy.md's sha256sum recipe in the example policy's folder: it
// prints the revision subgate gives the policy. (The page's other commands are sessions, which
// TestSessionPages runs.)
func TestPolicyRevisionRecipe(t *testing.T) {
	var recipe string
	for _, c := range commands(t, "docs/policy.md") {
		if strings.HasPrefix(c.text, "sha256sum ") {
			require.Empty(t, recipe, "docs/policy.md shows one recipe")
			recipe = c.text
		}
	}
	require.NotEmpty(t, recipe, "docs/policy.md shows the recipe")
	p, err := policy.Load("../deploy/policy.example.yaml")
	require.NoError(t, err)
	require.Equal(t, []string{"lists/banned.txt"}, p.Files(), "the recipe names the example's list file")
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "lists"), 0o755))
	for from, to := range map[string]string{"policy.example.yaml": "policy.yaml", "lists/banned.txt": "lists/banned.txt"} {
		data, err := os.ReadFile(filepath.Join("../deploy", from))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, to), data, 0o644))
	}
	out := testkit.RunShell(t, dir, recipe)
	assert.Regexp(t, regexp.MustCompile(`^[0-9a-f]{64}  -\n$`), out)
	assert.Equal(t, p.Info().Revision, out[:12])
}

// livePolicyDefaults are the addresses the first section of docs/live-policy.md relies on without
// naming them in a flag: make run's ADDR and deploy/serve's -addr.
var livePolicyDefaults = map[string]string{"make run": "127.0.0.1:8080", "go run ./deploy/serve": "127.0.0.1:8090"}

// TestLivePolicyDoc runs the first section of docs/live-policy.md, "Try it on this machine", in a
// copy of the repository, in order, as a reader would: each command ending with & is started and
// waited for until it listens; each other command is run; each JSON block is the answer the last
// curl command must give, at once when it follows that command, else (after the policy changed)
// within the refresh and a fetch, the curl sent again until it does. The page's addresses are
// replaced by free ones.
func TestLivePolicyDoc(t *testing.T) {
	repo := testkit.CopyRepo(t, "..")
	require.NoError(t, os.MkdirAll(filepath.Join(repo, "bin"), 0o755))
	require.NoError(t, os.Symlink(teststore.Find(t), filepath.Join(repo, "bin", "versitygw")), "make test installs bin/versitygw")
	makefile, err := os.ReadFile("../Makefile")
	require.NoError(t, err)
	require.Contains(t, string(makefile), "ADDR      ?= "+livePolicyDefaults["make run"])
	serve, err := os.ReadFile("../deploy/serve/main.go")
	require.NoError(t, err)
	require.Contains(t, string(serve), `"addr", "`+livePolicyDefaults["go run ./deploy/serve"]+`"`)

	type step struct{ command, answer string } // a command, or an answer (a JSON block)
	var steps []step
	for _, b := range testkit.ReadDoc(t, "../docs/live-policy.md") {
		if b.Heading != "Try it on this machine" {
			continue
		}
		switch b.Lang {
		case "sh":
			for line := range strings.Lines(b.Text) {
				steps = append(steps, step{command: strings.TrimSpace(line)})
			}
		case "json":
			steps = append(steps, step{answer: b.Text})
		}
	}
	commands := 0
	for _, s := range steps {
		if s.command != "" {
			commands++
		}
	}
	require.Equal(t, 9, commands, "the section says nine commands")

	// Every address on the page, and the defaults, each replaced by a free one.
	free := map[string]string{}
	for _, addr := range livePolicyDefaults {
		free[addr] = ""
	}
	address := regexp.MustCompile(`127\.0\.0\.1:\d+`)
	for _, s := range steps {
		for _, addr := range address.FindAllString(s.command, -1) {
			free[addr] = ""
		}
	}
	for addr := range free {
		a, err := localrun.FreeAddr()
		require.NoError(t, err)
		free[addr] = a
	}
	rewrite := func(command string) string {
		command = address.ReplaceAllStringFunc(command, func(addr string) string { return free[addr] })
		command = strings.Replace(command, "go run ./deploy/serve ", "go run ./deploy/serve -addr "+free[livePolicyDefaults["go run ./deploy/serve"]]+" ", 1)
		if strings.Contains(command, "make run") {
			command = strings.Replace(command, "make run", "make run ADDR="+free[livePolicyDefaults["make run"]], 1)
		}
		return command
	}
	listens := regexp.MustCompile(`(?:-addr |ADDR=|--port )(127\.0\.0\.1:\d+)`)

	var lastCurl, lastRun string
	for _, s := range steps {
		if s.answer != "" {
			require.NotEmpty(t, lastCurl, "an answer follows a curl command")
			if lastRun == lastCurl {
				assert.JSONEq(t, s.answer, testkit.RunShell(t, repo, lastCurl), "the answer the page shows, to:\n%s", lastCurl)
				continue
			}
			// The policy changed: the answer comes within the refresh interval and a fetch.
			var got string
			assert.Eventually(t, func() bool {
				got = testkit.RunShell(t, repo, lastCurl)
				return jsonEqual(s.answer, got)
			}, 30*time.Second, 200*time.Millisecond, "the answer once the new bundle decides, to:\n%s", lastCurl)
			assert.JSONEq(t, s.answer, got, "the answer once the new bundle decides, to:\n%s", lastCurl)
			continue
		}
		command := rewrite(s.command)
		lastRun = command
		if strings.Contains(command, "curl -s -d ") {
			lastCurl = command
		}
		background, ok := strings.CutSuffix(command, " &")
		if !ok {
			testkit.RunShell(t, repo, command)
			continue
		}
		m := listens.FindStringSubmatch(background)
		require.NotNil(t, m, "a server the page starts says where it listens: %s", background)
		cmd := exec.Command("bash", "-euo", "pipefail", "-c", background)
		cmd.Dir = repo
		cmd.Env = testkit.Environ()
		p, err := localrun.Start(cmd)
		require.NoError(t, err)
		t.Cleanup(func() {
			p.Kill()
			if t.Failed() {
				t.Logf("%s:\n%s", background, p.Output)
			}
		})
		require.NoError(t, p.WaitListening(m[1], 2*time.Minute), "%s:\n%s", background, p.Output)
	}
}

// jsonEqual reports whether two JSON texts hold the same value.
func jsonEqual(want, got string) bool {
	var w, g any
	return json.Unmarshal([]byte(want), &w) == nil && json.Unmarshal([]byte(got), &g) == nil && reflect.DeepEqual(w, g)
}

// session is a block written as a session: its commands, each with the output the page shows.
type session struct {
	commands, outputs []string
}

// readSessions reads a page's blocks written as sessions ("$ command" lines and their output).
func readSessions(t *testing.T, page string) []session {
	t.Helper()
	var out []session
	for _, b := range testkit.ReadDoc(t, filepath.Join("..", page)) {
		if b.Lang != "sh" || !strings.HasPrefix(b.Text, "$ ") {
			continue
		}
		var s session
		for line := range strings.Lines(b.Text) {
			if c, ok := strings.CutPrefix(line, "$ "); ok {
				s.commands = append(s.commands, strings.TrimSpace(c))
				s.outputs = append(s.outputs, "")
				continue
			}
			s.outputs[len(s.outputs)-1] += line
		}
		out = append(out, s)
	}
	return out
}

// sessionPages are the pages whose other commands are all sessions ("$ command" and its output), each
// with how many commands it shows.
var sessionPages = map[string]int{"docs/policy.md": 2, "docs/answers.md": 2}

// TestSessionPages runs the sessions of docs/policy.md and docs/answers.md in a copy of the
// repository, each command's output compared with the page's.
func TestSessionPages(t *testing.T) {
	repo := testkit.CopyRepo(t, "..")
	for page, n := range sessionPages {
		ran := 0
		for _, s := range readSessions(t, page) {
			for i, c := range s.commands {
				ran++
				assert.Equal(t, s.outputs[i], testkit.RunShell(t, repo, c), "%s: %s", page, c)
			}
		}
		assert.Equal(t, n, ran, "%s: the session commands", page)
		inSession := 0
		for _, c := range commands(t, page) {
			if !strings.HasPrefix(c.text, "sha256sum ") {
				inSession++
			}
		}
		assert.Equal(t, n, inSession, "%s: every command but the revision recipe is in a session", page)
	}
}

// TestBenchmarksDoc runs docs/benchmarks.md's commands as far as a test can in seconds: each Go
// benchmark command with -benchtime 1x (every benchmark it names runs once), bench/run's help, and
// each make bench command dry (make -n), its BENCH_FLAGS parsed by bench/run. A whole make bench
// takes minutes and is run by hand.
func TestBenchmarksDoc(t *testing.T) {
	repo := testkit.CopyRepo(t, "..")
	flags := regexp.MustCompile(`^make bench(?: BENCH_FLAGS='([^']*)')?$`)
	kinds := map[string]int{}
	for _, c := range commands(t, "docs/benchmarks.md") {
		switch {
		case flags.MatchString(c.text):
			kinds["make bench"]++
			out := testkit.RunShell(t, repo, "make -n "+strings.TrimPrefix(c.text, "make "))
			assert.Contains(t, out, "./bench/run", c.text)
			testkit.RunShell(t, repo, "go run ./bench/run "+flags.FindStringSubmatch(c.text)[1]+" -h")
		case c.text == "go run ./bench/run -h":
			kinds["help"]++
			assert.Contains(t, testkit.RunShell(t, repo, c.text+" 2>&1"), "-parts") // the flag package's help goes to stderr
		case strings.HasPrefix(c.text, "go test "):
			kinds["go test"]++
			out := testkit.RunShell(t, repo, strings.Replace(c.text, "go test ", "go test -benchtime 1x ", 1))
			assert.Regexp(t, `(?m)^Benchmark\S+\s+1\s`, out, "%s runs a benchmark", c.text)
		default:
			t.Errorf("docs/benchmarks.md shows %q, which this test does not run", c.text)
		}
	}
	assert.Equal(t, map[string]int{"make bench": 3, "help": 1, "go test": 3}, kinds)
}

// TestLinks checks every relative link of the README and the docs: the file exists, and a link to
// a heading (#anchor) names one of its headings, as GitHub makes anchors of them.
func TestLinks(t *testing.T) {
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	fence := regexp.MustCompile("(?s)```.*?```")
	for _, page := range pages(t) {
		data, err := os.ReadFile(filepath.Join("..", page))
		require.NoError(t, err)
		for _, m := range link.FindAllStringSubmatch(fence.ReplaceAllString(string(data), ""), -1) {
			target, anchor, _ := strings.Cut(m[1], "#")
			if strings.Contains(target, "://") {
				continue
			}
			file := filepath.Join("..", page)
			if target != "" {
				file = filepath.Join("..", filepath.Dir(page), target)
			}
			info, err := os.Stat(file)
			if !assert.NoError(t, err, "%s links to %s", page, m[1]) || anchor == "" || info.IsDir() {
				continue
			}
			assert.Contains(t, anchors(t, file), anchor, "%s links to %s", page, m[1])
		}
	}
}

// anchors are the anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces
// made hyphens.
func anchors(t *testing.T, file string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	var out []string
	drop := regexp.MustCompile(`[^\p{L}\p{N}\- _]`)
	for line := range strings.Lines(regexp.MustCompile("(?s)```.*?```").ReplaceAllString(string(data), "")) {
		if !strings.HasPrefix(line, "#") {
			continue
		}
		heading := strings.ToLower(strings.TrimSpace(strings.TrimLeft(line, "#")))
		out = append(out, strings.ReplaceAll(drop.ReplaceAllString(heading, ""), " ", "-"))
	}
	return out
}

// TestVersionsAgree holds the version to one place, internal/version/VERSION: the CHANGELOG's
// latest release is it, and every subgate version a page shows is it (as a release build reports
// it, or a build between releases with its commit, v0.1.0+1b914b1c3e5f).
func TestVersionsAgree(t *testing.T) {
	release := version.Release()
	changelog, err := os.ReadFile("../CHANGELOG.md")
	require.NoError(t, err)
	latest := regexp.MustCompile(`(?m)^## \[(\d+\.\d+\.\d+)\]`).FindStringSubmatch(string(changelog))
	require.NotNil(t, latest, "CHANGELOG.md has a release")
	assert.Equal(t, release, "v"+latest[1], "the CHANGELOG's latest release is internal/version/VERSION")

	shown := regexp.MustCompile(`\bv\d+\.\d+\.\d+\b`)
	found := 0
	for _, page := range pages(t) {
		data, err := os.ReadFile(filepath.Join("..", page))
		require.NoError(t, err)
		for _, v := range shown.FindAllString(string(data), -1) {
			found++
			assert.Equal(t, release, v, "%s shows subgate version %s", page, v)
		}
	}
	assert.NotZero(t, found, "the pages show subgate's version")
}

// expiredOnPurpose: an example entry whose until is before this day (0.1.0's) is an example of an
// entry that has expired, and says so where it is shown (subgate check's warning, say).
var expiredOnPurpose = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

// TestExampleDatesStayValid: every until an example shows (in the README, the docs and the files
// of deploy/) is either an example of an expired entry, or lasts at least a year more, so that no
// one copies an example and gets a ban that has already expired, and a warning. Move a date on
// when this fails: it fails a year ahead.
func TestExampleDatesStayValid(t *testing.T) {
	until := regexp.MustCompile(`until(?:=|:\s*|\s+)"?(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d))`)
	files := []string{"../README.md"}
	for _, root := range []string{".", "../deploy"} {
		require.NoError(t, filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			switch filepath.Ext(path) {
			case ".md", ".yaml", ".yml", ".txt", ".json":
				files = append(files, path)
			}
			return nil
		}))
	}
	lasting := time.Now().AddDate(1, 0, 0)
	found := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		for i, line := range strings.Split(string(data), "\n") {
			for _, m := range until.FindAllStringSubmatch(line, -1) {
				found++
				at, err := time.Parse(time.RFC3339, m[1])
				require.NoError(t, err, "%s:%d", file, i+1)
				if at.Before(expiredOnPurpose) {
					continue
				}
				assert.True(t, at.After(lasting), "%s:%d: the example until %s expires within a year: move it years on", file, i+1, m[1])
			}
		}
	}
	assert.NotZero(t, found, "the pages show expiring entries")
}

// TestPageSizes holds the pages meant to be read through to their size: the README, the
// newcomer's five minutes, and the live policy's user's guide (its design notes are a page of
// their own, docs/design/live-policy.md).
func TestPageSizes(t *testing.T) {
	for page, most := range map[string]int{"README.md": 15_000, "docs/live-policy.md": 12_000} {
		info, err := os.Stat(filepath.Join("..", page))
		require.NoError(t, err)
		assert.Less(t, int(info.Size()), most, "%s is a page read through: keep it under %d bytes", page, most)
	}
}
