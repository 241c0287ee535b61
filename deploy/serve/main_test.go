package main

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServe(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "policy.bundle")
	require.NoError(t, os.WriteFile(file, []byte("first"), 0o644))
	h, err := newHandler([]string{file})
	require.NoError(t, err)
	h.log = log.New(io.Discard, "", 0)
	srv := httptest.NewServer(h)
	defer srv.Close()

	get := func(path, ifNoneMatch string) (int, string, string) {
		req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		require.NoError(t, err)
		if ifNoneMatch != "" {
			req.Header.Set("If-None-Match", ifNoneMatch)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, resp.Header.Get("ETag"), string(body)
	}
	etagOf := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return `"` + hex.EncodeToString(sum[:]) + `"`
	}

	status, etag, body := get("/policy.bundle", "")
	assert.Equal(t, 200, status)
	assert.Equal(t, "first", body)
	assert.Equal(t, etagOf("first"), etag, "the ETag is the file's SHA-256")

	status, _, body = get("/policy.bundle", etag)
	assert.Equal(t, 304, status, "unchanged: Not Modified, as from S3")
	assert.Empty(t, body)

	require.NoError(t, os.WriteFile(file, []byte("second"), 0o644))
	status, etag, body = get("/policy.bundle", etag)
	assert.Equal(t, 200, status, "the file is read again at each request")
	assert.Equal(t, "second", body)
	assert.Equal(t, etagOf("second"), etag)

	for _, path := range []string{"/", "/other", "/policy.bundle/x", "/../policy.bundle"} {
		status, _, _ = get(path, "")
		assert.Equal(t, 404, status, path)
	}
	resp, err := http.Post(srv.URL+"/policy.bundle", "text/plain", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 404, resp.StatusCode, "GET and HEAD only")

	require.NoError(t, os.Remove(file))
	status, _, _ = get("/policy.bundle", "")
	assert.Equal(t, 500, status, "a file that cannot be read")
}

func TestServeArguments(t *testing.T) {
	_, err := newHandler(nil)
	assert.EqualError(t, err, "give at least one FILE")
	_, err = newHandler([]string{"a/policy.bundle", "b/policy.bundle"})
	assert.EqualError(t, err, "a/policy.bundle and b/policy.bundle would both be served as /policy.bundle")

	for _, addr := range []string{"127.0.0.1:8090", "localhost:0", "[::1]:8090"} {
		assert.NoError(t, checkLoopback(addr), addr)
	}
	assert.EqualError(t, checkLoopback("0.0.0.0:8090"), "-addr 0.0.0.0:8090: serve listens on a loopback host only (localhost, 127.0.0.1, ::1)")
	assert.EqualError(t, checkLoopback(":8090"), "-addr :8090: serve listens on a loopback host only (localhost, 127.0.0.1, ::1)")
	assert.Error(t, checkLoopback("8090"))
}
