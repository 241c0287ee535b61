package teststore

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func get(t *testing.T, s *Server, endpoint, key string) (int, string) {
	t.Helper()
	req := s.request(t, http.MethodGet, "/"+Bucket+"/"+key, nil)
	if endpoint != "" {
		req.URL.Host = endpoint
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func TestServer(t *testing.T) {
	s := Start(t)
	etag := s.Put(t, "a/b.txt", []byte("first"))
	assert.Regexp(t, `^"[0-9a-f]{32}"$`, etag)
	status, body := get(t, s, "", "a/b.txt")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "first", body)
	assert.NotEqual(t, etag, s.Put(t, "a/b.txt", []byte("second")), "an overwrite has a new ETag")

	s.Stop()
	_, err := net.Dial("tcp", s.Addr)
	assert.Error(t, err, "a stopped server refuses connections")
	s.Stop()

	s.Restart(t)
	status, body = get(t, s, "", "a/b.txt")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "second", body, "objects outlive a restart")
	s.Delete(t, "a/b.txt")
	status, _ = get(t, s, "", "a/b.txt")
	assert.Equal(t, http.StatusNotFound, status)
}

func TestProxyStalls(t *testing.T) {
	s := Start(t)
	s.Put(t, "k", []byte("through the proxy"))
	p := NewProxy(t, s.Addr)
	status, body := get(t, s, p.Addr, "k")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "through the proxy", body)

	p.Stall(0)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req := s.request(t, http.MethodGet, "/"+Bucket+"/k", nil).WithContext(ctx)
	req.URL.Host = p.Addr
	_, err := http.DefaultClient.Do(req)
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "a stalled answer never comes: %v", err)

	p.Stall(20) // the status line goes through, the rest does not
	ctx2, cancel2 := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel2()
	req = s.request(t, http.MethodGet, "/"+Bucket+"/k", nil).WithContext(ctx2)
	req.URL.Host = p.Addr
	_, err = http.DefaultClient.Do(req)
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "%v", err)

	p.Resume()
	status, _ = get(t, s, p.Addr, "k")
	assert.Equal(t, http.StatusOK, status)
}

// TestProxyCut: after Stall and Cut, a client's next request stalls even though it kept its
// connection to the proxy open.
func TestProxyCut(t *testing.T) {
	s := Start(t)
	s.Put(t, "k", []byte("kept alive"))
	p := NewProxy(t, s.Addr)
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	fetch := func(timeout time.Duration) (*http.Response, error) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		req := s.request(t, http.MethodGet, "/"+Bucket+"/k", nil).WithContext(ctx)
		req.URL.Host = p.Addr
		resp, err := client.Do(req)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		return resp, err
	}
	resp, err := fetch(startTimeout)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	p.Stall(0)
	p.Cut()
	_, err = fetch(200 * time.Millisecond)
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "the kept connection is gone; a new one stalls: %v", err)

	p.Resume()
	resp, err = fetch(startTimeout)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

// TestMakefileInstallsThisVersion: `make test` installs the versitygw these tests are written for.
func TestMakefileInstallsThisVersion(t *testing.T) {
	makefile, err := os.ReadFile("../../Makefile")
	require.NoError(t, err)
	assert.Contains(t, string(makefile), "GOBIN=$(CURDIR)/bin $(GO) install "+Module+"\n")
	assert.Contains(t, string(makefile), EnvVersitygw+"=$(CURDIR)/bin/versitygw")
}

// A test's testing.TB is a TB.
var _ TB = testing.TB(nil)
