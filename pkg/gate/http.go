package gate

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
)

// requestIDHeader carries a request's ID on the HTTP server: the request's own, when it is usable,
// else one the server makes. The answer carries it back, and the log line holds it.
const requestIDHeader = "X-Request-Id"

// maxRequestIDLen is the longest X-Request-Id kept; a longer one, or one with a character outside
// printable ASCII (a space or a control character among them), is replaced by a new ID.
const maxRequestIDLen = 128

// ServeHTTP makes the Gate an http.Handler: POST on any path is the webhook, GET /healthz answers
// 200. The body is read up to one byte past MaxBodyBytes, so an oversized one is never read whole.
// Every webhook answer carries the request's ID in X-Request-Id: the request's own X-Request-Id
// when it is usable, else a new one (see requestID).
func (g *Gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/healthz" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		w.Header().Set("Content-Type", ContentType)
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"status":"ok"}`)
		return
	}
	req := Request{Method: r.Method, Query: r.URL.Query(), RawQuery: r.URL.RawQuery, Header: r.Header, RequestID: requestID(r.Header)}
	if err := CheckEnvelope(req); err != nil {
		writeResponse(w, req.RequestID, g.Refuse(r.Context(), req, err.Error(), nil))
		return
	}
	if r.Method == http.MethodPost {
		body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
		if err != nil {
			// The client stopped sending (or the server's read timeout cut it off).
			writeResponse(w, req.RequestID, g.Refuse(r.Context(), req, "the request body could not be read", err))
			return
		}
		req.Body = body
	}
	writeResponse(w, req.RequestID, g.Serve(r.Context(), req))
}

func writeResponse(w http.ResponseWriter, requestID string, resp Response) {
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.Header().Set(requestIDHeader, requestID)
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(resp.Body)
}

// requestID is the request's X-Request-Id when it is usable: one value, 1 to maxRequestIDLen
// characters of printable ASCII without spaces. Otherwise it is a new ID: 16 hex digits from
// crypto/rand.
func requestID(h http.Header) string {
	if ids := h.Values(requestIDHeader); len(ids) == 1 && usableRequestID(ids[0]) {
		return ids[0]
	}
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand: Read crashes the program rather than fail)
	return hex.EncodeToString(b[:])
}

func usableRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return false
		}
	}
	return true
}
