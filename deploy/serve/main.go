// Command serve serves files over plain HTTP on this machine, to try a live policy without a
// cloud: subgate takes an http:// SUBGATE_POLICY_URL on a loopback host (docs/live-policy.md, "Try
// it on this machine").
//
//	go run ./deploy/serve [-addr 127.0.0.1:8090] FILE...
//
// Each FILE is served at /NAME, its base name, to GET and HEAD, and read again at every request, so
// a file written anew (subgate bundle writes it whole, by a rename) is served as it is now. Its
// ETag is its SHA-256, so a conditional GET of a file that has not changed gets 304 Not Modified,
// as from S3 or COS. Anything else is 404. serve listens on a loopback address only, and logs one
// line per request to standard error. It needs nothing but Go, which is why it exists: python3 -m
// http.server would serve the file too, but needs Python, which nothing else here does, and sends
// no ETag.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/subgate/subgate/pkg/store"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "the loopback `address` to listen on")
	flag.Parse()
	h, err := newHandler(flag.Args())
	if err == nil {
		err = checkLoopback(*addr)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		fmt.Fprintln(os.Stderr, "usage: serve [-addr 127.0.0.1:8090] FILE...")
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(1)
	}
	for _, p := range flag.Args() {
		fmt.Fprintf(os.Stderr, "serving %s at http://%s/%s\n", p, ln.Addr(), filepath.Base(p))
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintln(os.Stderr, "serve:", srv.Serve(ln))
	os.Exit(1)
}

// handler serves its files by their base names.
type handler struct {
	files map[string]string // base name -> path
	log   *log.Logger
}

func newHandler(paths []string) (*handler, error) {
	if len(paths) == 0 {
		return nil, errors.New("give at least one FILE")
	}
	h := &handler{files: map[string]string{}, log: log.New(os.Stderr, "serve: ", 0)}
	for _, p := range paths {
		name := filepath.Base(p)
		if other, twice := h.files[name]; twice {
			return nil, fmt.Errorf("%s and %s would both be served as /%s", other, p, name)
		}
		h.files[name] = p
	}
	return h, nil
}

// checkLoopback refuses an address whose host is not loopback: serve is for this machine.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr %s: %w", addr, err)
	}
	if !store.IsLoopback(host) {
		return fmt.Errorf("-addr %s: serve listens on a loopback host only (localhost, 127.0.0.1, ::1)", addr)
	}
	return nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path, ok := h.files[r.URL.Path[1:]]
	if !ok || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		h.log.Printf("%s %s: 404", r.Method, r.URL.Path)
		http.NotFound(w, r)
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		h.log.Printf("%s %s: %v", r.Method, r.URL.Path, err)
		http.Error(w, "the file cannot be read", http.StatusInternalServerError)
		return
	}
	sum := sha256.Sum256(data)
	etag := `"` + hex.EncodeToString(sum[:]) + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", "application/octet-stream")
	status := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	http.ServeContent(status, r, "", time.Time{}, bytes.NewReader(data))
	h.log.Printf("%s %s: %d (ETag %s)", r.Method, r.URL.Path, status.status, etag[1:13])
}

// statusWriter remembers the status written, for the log line.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(status int) {
	s.status = status
	s.ResponseWriter.WriteHeader(status)
}

func (s *statusWriter) Write(b []byte) (int, error) { return s.ResponseWriter.Write(b) }
