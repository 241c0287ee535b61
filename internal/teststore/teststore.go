// Package teststore runs a real S3 server for tests: the Versity S3 Gateway (versitygw, Apache-2.0)
// on a free loopback port, over a temporary folder, with root keys and one bucket. Tests publish,
// overwrite and delete objects through it with SigV4-signed requests of their own, stop it to make
// the store unreachable, and put a Proxy in front of it to make it stall.
//
// versitygw is found at $SUBGATE_VERSITYGW (`make test` installs it into bin/ and sets it), else in
// the repository's bin/, else on PATH; a test that needs it fails, never skips, when it is in none.
//
// How it is run (see `versitygw --help`): `versitygw --port 127.0.0.1:PORT --quiet
// --virtual-domain localhost posix DIR`, with the root keys in ROOT_ACCESS_KEY and ROOT_SECRET_KEY
// (not on the command line). It binds 127.0.0.1 only; the admin API shares that port and needs the
// root keys; no IAM service, web UI or event target is configured. The posix backend keeps each
// bucket as a folder of DIR and each object as a file, its ETag in an extended attribute. With
// --virtual-domain localhost it also serves BUCKET.localhost:PORT as the bucket BUCKET
// (virtual-hosted addressing); requests to 127.0.0.1:PORT are path-style. It refuses any
// X-Amz-Security-Token: test temporary credentials with the token unset.
package teststore

import (
	"bytes"
	"crypto/sha256"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/smithy-go/aws-http-auth/credentials"
	"github.com/aws/smithy-go/aws-http-auth/sigv4"
	v4 "github.com/aws/smithy-go/aws-http-auth/v4"

	"github.com/subgate/subgate/internal/localrun"
	"github.com/subgate/subgate/internal/syncbuf"
)

// TB is what the package needs of a test: testing.TB has it, and so can a program that runs a
// store the same way (make bench).
type TB interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Cleanup(f func())
	TempDir() string
}

// The server's root keys, region and bucket.
const (
	AccessKey = "subgate-test-access-key"
	SecretKey = "subgate-test-secret-key"
	Region    = "us-east-1"
	Bucket    = "subgate-test"
)

// Module is what `go install` builds versitygw from; the Makefile installs the same.
const Module = "github.com/versity/versitygw/cmd/versitygw@v1.8.0"

// EnvVersitygw names the variable that gives versitygw's path.
const EnvVersitygw = "SUBGATE_VERSITYGW"

// startTimeout bounds how long the server may take to answer after it is started.
const startTimeout = 20 * time.Second

// Server is a running versitygw.
type Server struct {
	// Endpoint is the server's URL, http://127.0.0.1:PORT: path-style requests go there.
	Endpoint string
	// Addr is its address, 127.0.0.1:PORT.
	Addr string

	bin, dir string
	client   *http.Client

	mu     sync.Mutex // guards cmd, exited and output
	cmd    *exec.Cmd
	exited chan struct{}
	output *syncbuf.Buffer
}

// Start starts versitygw on a free loopback port over a temporary folder, waits until it answers,
// and creates Bucket. It is stopped when the test ends.
func Start(t TB) *Server {
	t.Helper()
	// Below the ephemeral ports, so that no outgoing connection takes it before Restart binds it,
	// now or after a Stop.
	addr, err := localrun.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Endpoint: "http://" + addr, Addr: addr, bin: Find(t), dir: t.TempDir(), client: &http.Client{Timeout: startTimeout}}
	t.Cleanup(s.Stop)
	s.Restart(t)
	return s
}

// Restart starts the server again, at the same address over the same folder, after Stop; objects
// put before are still there. It waits until the server answers and Bucket exists.
func (s *Server) Restart(t TB) {
	t.Helper()
	s.mu.Lock()
	if s.cmd != nil {
		s.mu.Unlock()
		t.Fatal("teststore: Restart of a server that is running")
	}
	output := &syncbuf.Buffer{}
	cmd := exec.Command(s.bin, "--port", s.Addr, "--quiet", "--virtual-domain", "localhost", "posix", s.dir)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+AccessKey, "ROOT_SECRET_KEY="+SecretKey)
	cmd.Stdout, cmd.Stderr = output, output
	if err := cmd.Start(); err != nil {
		s.mu.Unlock()
		t.Fatalf("teststore: starting %s: %v", s.bin, err)
	}
	s.cmd, s.output, s.exited = cmd, output, make(chan struct{})
	go func(exited chan struct{}) { _ = cmd.Wait(); close(exited) }(s.exited)
	s.mu.Unlock()

	// Wait until it serves a signed request: creating the bucket (which exists on a restart).
	deadline := time.Now().Add(startTimeout)
	for {
		status, body, err := s.do(http.MethodPut, "/"+Bucket, nil)
		if err == nil && (status == http.StatusOK || strings.Contains(body, "BucketAlreadyOwnedByYou")) {
			return
		}
		select {
		case <-s.exited:
			t.Fatalf("teststore: versitygw exited at start:\n%s", s.Output())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("teststore: versitygw did not answer on %s within %s (last: %d %s %v):\n%s", s.Addr, startTimeout, status, body, err, s.Output())
		}
		retry := time.NewTimer(5 * time.Millisecond)
		select {
		case <-retry.C:
		case <-s.exited:
			retry.Stop()
		}
	}
}

// Stop stops the server (SIGTERM, then SIGKILL if it has not exited within 10 s). Requests to its
// address are then refused. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
	s.client.CloseIdleConnections()
}

// Output is what versitygw printed, for failure messages.
func (s *Server) Output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.output == nil {
		return ""
	}
	return s.output.String()
}

// URL is the s3:// URL of key in Bucket.
func (s *Server) URL(key string) string { return "s3://" + Bucket + "/" + key }

// Put stores data as key in Bucket, replacing what was there, and returns its ETag as the server
// sends it (quoted).
func (s *Server) Put(t TB, key string, data []byte) string {
	t.Helper()
	req := s.request(t, http.MethodPut, "/"+Bucket+"/"+key, data)
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("teststore: put %s: %v", key, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("teststore: put %s: %s: %s", key, resp.Status, body)
	}
	return resp.Header.Get("ETag")
}

// Delete removes key from Bucket.
func (s *Server) Delete(t TB, key string) {
	t.Helper()
	status, body, err := s.do(http.MethodDelete, "/"+Bucket+"/"+key, nil)
	if err != nil || status != http.StatusNoContent {
		t.Fatalf("teststore: delete %s: %d %s %v", key, status, body, err)
	}
}

func (s *Server) do(method, path string, data []byte) (int, string, error) {
	req, err := s.newRequest(method, path, data)
	if err != nil {
		return 0, "", err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

func (s *Server) request(t TB, method, path string, data []byte) *http.Request {
	t.Helper()
	req, err := s.newRequest(method, path, data)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

var signer = sigv4.New(func(o *v4.SignerOptions) {
	o.DisableDoublePathEscape = true
	o.AddPayloadHashHeader = true
})

// newRequest is a path-style request signed with the root keys.
func (s *Server) newRequest(method, path string, data []byte) (*http.Request, error) {
	req, err := http.NewRequest(method, s.Endpoint+path, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	err = signer.SignRequest(&sigv4.SignRequestInput{
		Request: req, PayloadHash: sum[:], Service: "s3", Region: Region,
		Credentials: credentials.Credentials{AccessKeyID: AccessKey, SecretAccessKey: SecretKey},
	})
	return req, err
}

// Find returns versitygw's path: $SUBGATE_VERSITYGW, else bin/versitygw in the repository, else
// versitygw on PATH. It fails the test when there is none.
func Find(t TB) string {
	t.Helper()
	if path := os.Getenv(EnvVersitygw); path != "" {
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("%s=%s: %v; `make test` installs versitygw there, or run: GOBIN=$PWD/bin go install %s", EnvVersitygw, path, err, Module)
		}
		return path
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		path := filepath.Join(filepath.Dir(file), "..", "..", "bin", "versitygw")
		if _, err := os.Stat(path); err == nil {
			return path
		}
	}
	if path, err := exec.LookPath("versitygw"); err == nil {
		return path
	}
	t.Fatalf("this test needs a real S3 server, the Versity S3 Gateway, and it is not installed: run `make test` "+
		"(it installs versitygw into bin/ and sets %s), or run: GOBIN=$PWD/bin go install %s", EnvVersitygw, Module)
	return ""
}
