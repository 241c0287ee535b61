package gate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// RequestIDHeader carries the platform's request ID on a relayed webhook.
const RequestIDHeader = "X-Subgate-Request-Id"

// forwarder relays the app's other webhooks to its existing backend: Chat allows one webhook URL
// per app, so subgate answers CallbackBeforeAddSubscriber and passes everything else on.
type forwarder struct {
	target  *url.URL
	timeout time.Duration
	client  *http.Client // one client, so warm invocations reuse its kept-alive connections
}

func newForwarder(target *url.URL, timeout time.Duration) *forwarder {
	return &forwarder{
		target:  target,
		timeout: timeout,
		client: &http.Client{
			// A redirect would send the webhook somewhere nobody configured: treat it as a failure.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			Transport: &http.Transport{
				Proxy:               http.ProxyFromEnvironment,
				MaxIdleConnsPerHost: 16,
				IdleConnTimeout:     90 * time.Second,
				TLSHandshakeTimeout: timeout,
				ForceAttemptHTTP2:   true,
			},
		},
	}
}

// relay sends r on with its query string unchanged, so the backend can check SdkAppid and Sign
// itself. It returns the backend's answer as it came, or an error saying why it cannot be used.
func (f *forwarder) relay(parent context.Context, r Request) (Response, error) {
	ctx, cancel := context.WithTimeout(parent, f.timeout)
	defer cancel()
	target := *f.target
	target.RawQuery = joinQuery(f.target.RawQuery, r.rawQuery())
	req, err := http.NewRequestWithContext(ctx, r.Method, target.String(), bytes.NewReader(r.Body))
	if err != nil {
		// A query string with a control character in it does not parse.
		return Response{}, fmt.Errorf("the request to relay cannot be made from its query string: %w", withoutURL(err))
	}
	contentType := r.Header.Get("Content-Type")
	if contentType == "" {
		contentType = "application/json"
	}
	req.Header.Set("Content-Type", contentType)
	if r.RequestID != "" {
		req.Header.Set(RequestIDHeader, r.RequestID)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		switch {
		case parent.Err() != nil:
			return Response{}, fmt.Errorf("backend did not answer before the invocation's deadline")
		case ctx.Err() != nil:
			return Response{}, fmt.Errorf("backend did not answer within %s", f.timeout)
		}
		return Response{}, fmt.Errorf("backend did not answer: %w", withoutURL(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBodyBytes+1))
	switch {
	case err != nil:
		return Response{}, fmt.Errorf("backend's answer could not be read: %w", err)
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return Response{}, fmt.Errorf("backend answered a redirect (status %d), which subgate does not follow", resp.StatusCode)
	case resp.StatusCode >= 500:
		return Response{}, fmt.Errorf("backend answered status %d", resp.StatusCode)
	case len(body) > MaxBodyBytes:
		return Response{}, fmt.Errorf("backend's answer is over 1 MiB")
	case !json.Valid(body):
		return Response{}, fmt.Errorf("backend's answer (status %d) is not JSON", resp.StatusCode)
	}
	header := http.Header{"Content-Type": {resp.Header.Get("Content-Type")}}
	if header.Get("Content-Type") == "" {
		header.Set("Content-Type", ContentType)
	}
	return Response{StatusCode: resp.StatusCode, Header: header, Body: body}, nil
}

// withoutURL is err without the URL that net/url's and net/http's errors (*url.Error) quote whole:
// the relayed URL carries the request's query string, its Sign among it, and the forward URL's
// own query. Only the cause is kept, for the log.
func withoutURL(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.Err
	}
	return err
}

func joinQuery(own, request string) string {
	switch {
	case own == "":
		return request
	case request == "":
		return own
	default:
		return own + "&" + strings.TrimPrefix(request, "?")
	}
}
