package main

// docs/local.md, run: every `make run` command it shows, in a copy of the repository, with the
// requests it shows sent to the server each one starts; the server answers as the command's
// variables say (the SUBGATE_* variables you set win over the demo's defaults), and the process
// make starts is the server itself, so SIGTERM stops it gracefully. Every shell block of the page
// is run here, or named below as run by another test.

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/localrun"
	"github.com/subgate/subgate/internal/testkit"
	"github.com/subgate/subgate/pkg/webhook"
)

const (
	localDoc   = "../../docs/local.md"
	runVersion = "v0.0.0-make-run"
	// docAddr is the address the page's requests are sent to; the test sends them to its server's.
	docAddr = "127.0.0.1:8080"
)

// runElsewhere are the page's commands that other tests run.
var runElsewhere = map[string]string{
	"make events": "deploy/invoke TestMakeEvents",
}

// makeRunCase is a `make run` command and what the server it starts answers.
type makeRunCase struct {
	name    string // the subtest's name, when not the command
	command string // as docs/local.md shows it
	appID   string // the app it answers as
	token   string // the webhook token it checks signatures with
	refused string // the subscribers it refuses in the sample request, as JSON; "" for none
	// sections are the headings of docs/local.md whose shell blocks are sent to this server.
	sections []string
}

var makeRunCases = []makeRunCase{
	{command: "make run", appID: "1400000001", refused: `["jared"]`, sections: []string{"Send it a request", "Request IDs", "Health check"}},
	{command: "SUBGATE_SDKAPPID=1400000099 SUBGATE_ADDR=127.0.0.1:8181 make run", appID: "1400000099", refused: `["jared"]`},
	{command: `SUBGATE_POLICY='deny: ["leckie"]' make run`, appID: "1400000001", refused: `["leckie"]`},
	{command: "make run POLICY=", appID: "1400000001"},
	{command: "SUBGATE_TOKEN=my-webhook-token make run", appID: "1400000001", token: "my-webhook-token", refused: `["jared"]`, sections: []string{"A signed request"}},
}

func TestLocalDoc(t *testing.T) {
	blocks := testkit.ReadDoc(t, localDoc)
	repo := testkit.CopyRepo(t, filepath.Join("..", ".."))
	sample, err := os.ReadFile("../../deploy/sample-request.json")
	require.NoError(t, err)
	ran := map[int]bool{} // the shell blocks run, by index

	cases := append([]makeRunCase(nil), makeRunCases...)
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	require.NoError(t, os.WriteFile(policy, []byte(`deny: ["leckie"]`+"\n"), 0o644))
	// Not on the page: the policy file variable wins as the inline policy does.
	cases = append(cases, makeRunCase{name: "SUBGATE_POLICY_FILE=policy.yaml make run",
		command: "SUBGATE_POLICY_FILE=" + policy + " make run", appID: "1400000001", refused: `["leckie"]`})

	for _, tc := range cases {
		name := tc.name
		if name == "" {
			name = tc.command
		}
		t.Run(name, func(t *testing.T) {
			if tc.name == "" {
				i := findBlock(t, blocks, tc.command)
				ran[i] = true
			}
			run := startMakeRun(t, repo, tc.command)

			query := "?SdkAppid=" + tc.appID + "&CallbackCommand=" + webhook.CommandBeforeAddSubscriber
			if tc.token != "" {
				requestTime := strconv.FormatInt(time.Now().Unix(), 10)
				query += "&RequestTime=" + requestTime + "&Sign=" + webhook.Sign(tc.token, requestTime)
			}
			want := `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`
			if tc.refused != "" {
				want = `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":` + tc.refused + `}`
			}
			status, body := post(t, "http://"+run.addr+"/"+query, sample)
			assert.Equal(t, 200, status)
			assert.Equal(t, want, body, "the answer of app %s's policy", tc.appID)
			status, body = post(t, "http://"+run.addr+"/?SdkAppid=1400000002&CallbackCommand="+webhook.CommandBeforeAddSubscriber, sample)
			assert.Equal(t, 403, status)
			assert.Equal(t, `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"SdkAppid 1400000002 does not match this deployment"}`, body)

			for i, b := range blocks {
				if b.Lang == "sh" && slices.Contains(tc.sections, b.Heading) && strings.Contains(b.Text, "curl ") {
					ran[i] = true
					runRequestBlock(t, repo, run, blocks, i)
				}
			}
			if tc.command == "make run" {
				i := findBlock(t, blocks, "bin/http -version")
				ran[i] = true
				out := testkit.RunShell(t, repo, blocks[i].Text)
				assert.Regexp(t, `^subgate `+regexp.QuoteMeta(runVersion)+` \(go[0-9.]+\S* \S+/\S+\)\n$`, out, "make links VERSION into the binary")
			}
			run.stop(t)
		})
	}

	t.Run("AFailingServer", func(t *testing.T) {
		// The page quotes what make prints when the server fails: a configuration error makes
		// the server exit with status 2, which make reports after the server's message.
		page, err := os.ReadFile(localDoc)
		require.NoError(t, err)
		quoted := regexp.MustCompile("`(make: \\*\\*\\* \\[Makefile:…: run\\] Error \\d+)`").FindStringSubmatch(string(page))
		require.NotNil(t, quoted, "docs/local.md quotes make's message about a failed server")
		cmd := exec.Command("make", "--no-print-directory", "run", "VERSION="+runVersion, "ADDR="+freeAddr(t))
		cmd.Dir = repo
		cmd.Env = append(testkit.Environ(), "SUBGATE_SDKAPPID=not-digits")
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		require.True(t, errors.As(err, &exit), "make run fails: %v\n%s", err, out)
		assert.Equal(t, 2, exit.ExitCode(), "make exits 2 when a recipe fails")
		want := regexp.MustCompile("(?m)^" + strings.ReplaceAll(regexp.QuoteMeta(quoted[1]), "…", "[0-9]+") + "$")
		assert.Regexp(t, want, string(out), "make's message is the one the page shows")
		assert.Contains(t, string(out), `subgate: invalid configuration: SUBGATE_SDKAPPID must be`, "the server's own message comes first")
	})

	t.Run("SignatureExample", func(t *testing.T) {
		i := findBlock(t, blocks, "printf '%s%s' xxxxyyyy 1669872112 | sha256sum")
		ran[i] = true
		require.Less(t, i+1, len(blocks))
		assert.Equal(t, blocks[i+1].Text, testkit.RunShell(t, repo, blocks[i].Text), "the output the page shows")
		assert.Equal(t, webhook.Sign("xxxxyyyy", "1669872112")+"  -\n", blocks[i+1].Text)
	})

	t.Run("EveryCommandIsRun", func(t *testing.T) {
		for i, b := range blocks {
			if b.Lang != "sh" || ran[i] {
				continue
			}
			_, elsewhere := runElsewhere[b.Text[:len(b.Text)-1]]
			assert.True(t, elsewhere, "docs/local.md shows a command no test runs (under %q):\n%s", b.Heading, b.Text)
		}
	})
}

// runRequestBlock runs the shell block blocks[i] (a request with curl) as the page shows it, but
// sent to run's address, and checks its output: the JSON block that follows it on the page, or,
// for the request ID example, the ID in the answer's headers and in the log line.
func runRequestBlock(t *testing.T, repo string, run *makeRun, blocks []testkit.DocBlock, i int) {
	t.Helper()
	require.Contains(t, blocks[i].Text, docAddr, "the request goes to the address make run uses by default")
	out := testkit.RunShell(t, repo, strings.ReplaceAll(blocks[i].Text, docAddr, run.addr))
	if i+1 < len(blocks) && blocks[i+1].Lang == "json" {
		assert.JSONEq(t, blocks[i+1].Text, out, "the answer the page shows, to:\n%s", blocks[i].Text)
		return
	}
	require.Contains(t, blocks[i].Text, "-H 'X-Request-Id: my-trace-1'", "a block without the answer after it is the request ID example")
	assert.Contains(t, out, "\r\nX-Request-Id: my-trace-1\r\n")
	line, err := run.Output.LogLine("my-trace-1", patience)
	require.NoError(t, err, "make run output:\n%s", run.Output)
	assert.Equal(t, "decided", line["msg"])

	// Without one, a new ID: in the answer and in the log line.
	resp, err := http.Post("http://"+run.addr+"/?SdkAppid=1400000001&CallbackCommand="+webhook.CommandBeforeAddSubscriber, "application/json", strings.NewReader("{}"))
	require.NoError(t, err)
	resp.Body.Close()
	id := resp.Header.Get("X-Request-Id")
	assert.Regexp(t, `^[0-9a-f]{16}$`, id)
	_, err = run.Output.LogLine(id, patience)
	require.NoError(t, err, "make run output:\n%s", run.Output)
}

// findBlock is the index of the shell block that is exactly command.
func findBlock(t *testing.T, blocks []testkit.DocBlock, command string) int {
	t.Helper()
	for i, b := range blocks {
		if b.Lang == "sh" && b.Text == command+"\n" {
			return i
		}
	}
	require.FailNow(t, "docs/local.md shows no shell block "+command)
	return -1
}

// makeRun is `make run` started from a test, in a process group of its own.
type makeRun struct {
	*localrun.Process
	addr string
}

// startMakeRun runs a `make run` command line (NAME=value words, then make run and make's
// arguments) in repo, the NAME=value words in its environment as a shell puts them, and waits until
// the server listens. It listens on a free port: a SUBGATE_ADDR of the command is replaced by one,
// and a command without one gets make's ADDR.
func startMakeRun(t *testing.T, repo, command string) *makeRun {
	t.Helper()
	words := shellWords(t, command)
	addr := freeAddr(t)
	var env []string
	for len(words) > 0 && strings.Contains(words[0], "=") {
		if strings.HasPrefix(words[0], "SUBGATE_ADDR=") {
			words[0] = "SUBGATE_ADDR=" + addr
		}
		env = append(env, words[0])
		words = words[1:]
	}
	require.GreaterOrEqual(t, len(words), 2)
	require.Equal(t, []string{"make", "run"}, words[:2], command)
	args := append([]string{"--no-print-directory", "run", "VERSION=" + runVersion}, words[2:]...)
	if !strings.Contains(command, "SUBGATE_ADDR=") {
		args = append(args, "ADDR="+addr)
	}

	cmd := exec.Command("make", args...)
	cmd.Dir = repo
	cmd.Env = append(testkit.Environ(), env...)
	p, err := localrun.Start(cmd)
	require.NoError(t, err)
	t.Cleanup(func() {
		p.Kill()
		if t.Failed() {
			t.Logf("make run output:\n%s", p.Output)
		}
	})
	started, err := p.Output.WaitFor(`"msg":"started"`, patience)
	require.NoError(t, err, "make run output:\n%s", p.Output)
	assert.Contains(t, started, `"version":"`+runVersion+`"`, "make links VERSION into the binary")
	_, err = p.Output.WaitFor(`"msg":"listening","addr":"`+addr+`"`, patience)
	require.NoError(t, err, "make run output:\n%s", p.Output)
	return &makeRun{Process: p, addr: addr}
}

// shellWords splits a command line into words as a shell does, for plain words and single quotes.
func shellWords(t *testing.T, command string) []string {
	t.Helper()
	var words []string
	var word strings.Builder
	inWord, quoted := false, false
	for _, r := range command {
		switch {
		case quoted && r == '\'':
			quoted = false
		case quoted:
			word.WriteRune(r)
		case r == '\'':
			quoted, inWord = true, true
		case r == ' ':
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
		default:
			require.NotContains(t, `"$\`+"`;&|<>", string(r), "shellWords reads plain words and single quotes only: %s", command)
			word.WriteRune(r)
			inWord = true
		}
	}
	require.False(t, quoted, "an unclosed quote: %s", command)
	if inWord {
		words = append(words, word.String())
	}
	return words
}

// stop sends SIGTERM to the make process the test started: make's only child is the server itself
// (exec'd, no shell between), make passes SIGTERM on, the server shuts down gracefully and exits 0,
// and make, which re-raises the signal once its child is gone, ends too. No process is left and
// the port is free.
func (r *makeRun) stop(t *testing.T) {
	t.Helper()
	children := childrenOf(t, r.Pid())
	require.Len(t, children, 1, "make has one child")
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", children[0]))
	require.NoError(t, err)
	assert.Equal(t, "http", filepath.Base(exe), "make's child is the server, not a shell or go run")

	require.NoError(t, r.Signal(syscall.SIGTERM))
	err = r.Wait(patience)
	var exit *exec.ExitError
	require.True(t, errors.As(err, &exit), "make ended: %v", err)
	status := exit.Sys().(syscall.WaitStatus)
	assert.True(t, status.Signaled() && status.Signal() == syscall.SIGTERM, "make re-raises SIGTERM after its child exits: %v", err)

	out := r.Output.String()
	assert.Contains(t, out, `"msg":"shutting down"`, "a graceful shutdown")
	assert.NotContains(t, out, "make: ***", "make reports no error from the server: it exited 0")
	assert.NotContains(t, out, "subgate:", "the server wrote no error")
	assert.ErrorIs(t, syscall.Kill(-r.Pid(), 0), syscall.ESRCH, "no process of make run's group is left")
	ln, err := net.Listen("tcp", r.addr)
	require.NoError(t, err, "the port is free")
	ln.Close()
}

// childrenOf lists a process's children (Linux: /proc/PID/task/TID/children).
func childrenOf(t *testing.T, pid int) []int {
	t.Helper()
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	require.NoError(t, err)
	var children []int
	for _, task := range tasks {
		data, err := os.ReadFile(task)
		require.NoError(t, err)
		for _, field := range strings.Fields(string(data)) {
			child, err := strconv.Atoi(field)
			require.NoError(t, err)
			children = append(children, child)
		}
	}
	return children
}
