package gate

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// Limits on a request's envelope. Chat's requests carry about seven query parameters and a dozen
// headers; anything near these limits is not from Chat. The SCF and Lambda entrypoints answer it
// 400 before the gate decides anything, and so does ServeHTTP (whose server also caps the header
// bytes itself).
const (
	// MaxParams is the most query parameters (each value of a repeated key counts), and the most
	// header values, an event may carry.
	MaxParams = 1000
	// MaxEnvelopeBytes is the most bytes the query string and the headers together may hold, names
	// and values: the HTTP server's MaxHeaderBytes.
	MaxEnvelopeBytes = 64 << 10
)

// CheckEnvelope refuses a request whose query string or headers are over the limits.
func CheckEnvelope(req Request) error {
	params, size := 0, 0
	for key, values := range req.Query {
		params += len(values)
		for _, v := range values {
			size += len(key) + len(v)
		}
	}
	// url.ParseQuery gives up on a query of more than 10,000 parameters and leaves it empty, so the
	// raw query string is counted too.
	if raw := req.RawQuery; raw != "" {
		params = max(params, strings.Count(raw, "&")+1)
		size = max(size, len(raw))
	}
	if params > MaxParams {
		return fmt.Errorf("the query string has more than %d parameters", MaxParams)
	}
	fields := 0
	for name, values := range req.Header {
		fields += len(values)
		for _, v := range values {
			size += len(name) + len(v)
		}
	}
	if fields > MaxParams {
		return fmt.Errorf("the headers have more than %d values", MaxParams)
	}
	if size > MaxEnvelopeBytes {
		return fmt.Errorf("the query string and headers are over %d KiB", MaxEnvelopeBytes>>10)
	}
	return nil
}

// DecodeBase64Body decodes a base64 body for an entrypoint. A body whose first MaxBodyBytes+1 bytes already decode
// is cut there, without decoding the rest: the gate answers it 413 whatever follows.
func DecodeBase64Body(body string) ([]byte, error) {
	if head := base64.StdEncoding.EncodedLen(MaxBodyBytes + 1); len(body) > head {
		// The head is whole 4-character groups, so it decodes on its own unless it holds line
		// breaks or padding; then the whole body is decoded, as below.
		if decoded, err := base64.StdEncoding.DecodeString(body[:head]); err == nil && len(decoded) > MaxBodyBytes {
			return decoded[:MaxBodyBytes+1], nil
		}
	}
	return base64.StdEncoding.DecodeString(body)
}

// AnswerReserve is the most time kept back from the gate, before the invocation's deadline, to
// send the answer back to the platform.
const AnswerReserve = 250 * time.Millisecond

// WithAnswerTime returns the context an entrypoint gives the gate: ctx with its deadline (the
// platform's, when the invocation has one) brought forward by a quarter of the time left, at most
// AnswerReserve, so that a relay to a backend that hangs is cut off in time for the function to
// answer OK, 0 before the platform ends the invocation.
func WithAnswerTime(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	reserve := min(max(time.Until(deadline)/4, 0), AnswerReserve)
	return context.WithDeadline(ctx, deadline.Add(-reserve))
}
