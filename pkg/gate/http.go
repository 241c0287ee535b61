package gate

import (
	"io"
	"net/http"
)

// ServeHTTP makes the Gate an http.Handler: POST on any path is the webhook, GET /healthz answers
// 200. The body is read up to one byte past MaxBodyBytes, so an oversized one is never read whole.
func (g *Gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/healthz" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		w.Header().Set("Content-Type", ContentType)
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"status":"ok"}`)
		return
	}
	req := Request{Method: r.Method, Query: r.URL.Query(), RawQuery: r.URL.RawQuery, Header: r.Header, RequestID: r.Header.Get("X-Request-Id")}
	if err := CheckEnvelope(req); err != nil {
		writeResponse(w, g.Refuse(r.Context(), req.RequestID, err.Error(), nil))
		return
	}
	if r.Method == http.MethodPost {
		body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
		if err != nil {
			// The client stopped sending (or the server's read timeout cut it off).
			writeResponse(w, g.Refuse(r.Context(), req.RequestID, "the request body could not be read", err))
			return
		}
		req.Body = body
	}
	writeResponse(w, g.Serve(r.Context(), req))
}

func writeResponse(w http.ResponseWriter, resp Response) {
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(resp.Body)
}
