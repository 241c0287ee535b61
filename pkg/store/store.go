package store

import (
	"context"
	"crypto/sha256"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/aws/smithy-go/aws-http-auth/credentials"
	"github.com/aws/smithy-go/aws-http-auth/sigv4"
	v4 "github.com/aws/smithy-go/aws-http-auth/v4"
)

// DefaultMaxSize is the largest body a Fetcher accepts unless told otherwise: 256 MiB, the
// largest bundle (bundle.MaxSize).
const DefaultMaxSize = 256 << 20

// The kinds of failed fetch. Every error Fetch returns wraps one of them, and its message says
// where and why; New's errors wrap none (they are configuration errors).
var (
	// ErrUnreachable: no answer could be had: the name does not resolve, the connection is
	// refused or lost, TLS fails.
	ErrUnreachable = errors.New("policy store unreachable")
	// ErrTimeout: no complete answer before the context's deadline (or its cancellation).
	ErrTimeout = errors.New("policy store did not answer in time")
	// ErrForbidden: 401 or 403: the credentials are wrong, expired, or not allowed to read the object.
	ErrForbidden = errors.New("policy store refused access")
	// ErrNotFound: 404: no object at the location (or no such bucket).
	ErrNotFound = errors.New("no bundle at the policy URL")
	// ErrServer: a 5xx answer.
	ErrServer = errors.New("policy store failed")
	// ErrTooBig: the body is over the size limit; it is not read past it.
	ErrTooBig = errors.New("bundle over the size limit")
	// ErrUnexpected: another status, such as 301 for a bucket in another region.
	ErrUnexpected = errors.New("unexpected answer from the policy store")
	// ErrNoCredentials: an s3:// location, and no credentials to sign with.
	ErrNoCredentials = errors.New("no credentials for the policy store")
)

// Settings say where a Fetcher fetches from and how. The configuration fills them from the
// variables named in parentheses.
type Settings struct {
	// URL is the bundle's location: s3://BUCKET/KEY or an https:// URL (SUBGATE_POLICY_URL).
	URL string
	// Endpoint is an S3-compatible store's endpoint, scheme and host, such as
	// https://cos.ap-guangzhou.myqcloud.com (SUBGATE_S3_ENDPOINT). Empty: Amazon S3 in Region.
	Endpoint string
	// Region is the store's region, which requests are signed for (SUBGATE_S3_REGION, else
	// AWS_REGION). s3:// locations need one.
	Region string
	// PathStyle puts the bucket in the path instead of the host name (SUBGATE_S3_PATH_STYLE=true).
	PathStyle bool
	// Credentials returns the keys requests to s3:// locations are signed with. It is called at
	// every fetch, so keys that change under the function (SCF sets them at each invocation) are
	// read fresh. Nil: EnvCredentials(os.Getenv).
	Credentials func() (Credentials, error)
	// MaxSize is the largest body accepted; 0: DefaultMaxSize.
	MaxSize int64
	// HTTPClient sends the requests; nil: a client of the Fetcher's own. Its CheckRedirect is
	// replaced by the Fetcher's (no redirect for s3://, https only for https://).
	HTTPClient *http.Client
}

// Credentials are the keys a request is signed with. SessionToken is empty for long-term keys.
type Credentials struct {
	AccessKeyID, SecretAccessKey, SessionToken string
}

// Result is a fetch's outcome.
type Result struct {
	// NotModified is true when the store answered 304: the object still has the ETag given to
	// Fetch, and Body is nil.
	NotModified bool
	// Body is the object, when it was sent.
	Body []byte
	// ETag is the object's ETag as the store sent it (quoted), to give the next Fetch; empty when
	// the store sent none.
	ETag string
}

// Fetcher fetches one location. It is safe for concurrent use.
type Fetcher struct {
	where       string   // the location for messages: no credentials, no query
	url         *url.URL // the request's URL
	s3          bool
	region      string
	credentials func() (Credentials, error)
	maxSize     int64
	client      *http.Client
}

// New checks the settings and returns a Fetcher for them. Its errors name the setting to fix,
// without repeating a URL's user, password or query.
func New(s Settings) (*Fetcher, error) {
	f := &Fetcher{region: s.Region, credentials: s.Credentials, maxSize: s.MaxSize}
	if f.credentials == nil {
		f.credentials = EnvCredentials(os.Getenv)
	}
	if f.maxSize <= 0 {
		f.maxSize = DefaultMaxSize
	}
	var err error
	switch {
	case strings.HasPrefix(s.URL, "s3://"):
		f.s3 = true
		f.url, f.where, err = s3Location(s)
	case strings.HasPrefix(strings.ToLower(s.URL), "https://") || strings.HasPrefix(strings.ToLower(s.URL), "http://"):
		f.url, f.where, err = httpsLocation(s.URL)
	default:
		err = fmt.Errorf("SUBGATE_POLICY_URL must be s3://BUCKET/KEY or an https:// URL, not %q", Redact(s.URL))
	}
	if err != nil {
		return nil, err
	}
	client := &http.Client{}
	if s.HTTPClient != nil {
		copied := *s.HTTPClient
		client = &copied
	}
	client.CheckRedirect = f.checkRedirect
	f.client = client
	return f, nil
}

// Where is the location as messages show it: the s3:// URL with the URL requested, or the
// https:// URL without its query.
func (f *Fetcher) Where() string { return f.where }

// validName reports whether name is made of letters, digits and the characters in inner, and
// begins and ends with a letter or a digit (for bucket names "._-", for regions "-"). It stands
// in for a regular expression, which would be compiled at every start of the function.
func validName(name, inner string) bool {
	for i := 0; i < len(name); i++ {
		c := name[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && (i == 0 || i == len(name)-1 || strings.IndexByte(inner, c) < 0) {
			return false
		}
	}
	return name != ""
}

// s3Location is the URL of s3://BUCKET/KEY: virtual-hosted or path-style, on the endpoint or on
// Amazon S3 in the region.
func s3Location(s Settings) (*url.URL, string, error) {
	bucket, key, _ := strings.Cut(strings.TrimPrefix(s.URL, "s3://"), "/")
	if !validName(bucket, "._-") || key == "" {
		return nil, "", fmt.Errorf("SUBGATE_POLICY_URL must be s3://BUCKET/KEY (a bucket name of letters, digits, '.', '-' or '_', then a key), not %q", s.URL)
	}
	if !validName(s.Region, "-") {
		return nil, "", fmt.Errorf("SUBGATE_POLICY_URL is an s3:// URL, which needs the store's region: set SUBGATE_S3_REGION (or AWS_REGION) to one such as us-east-1 or ap-guangzhou (the region is %q)", s.Region)
	}
	endpoint := &url.URL{Scheme: "https", Host: "s3." + s.Region + ".amazonaws.com"}
	if strings.HasPrefix(s.Region, "cn-") {
		endpoint.Host += ".cn"
	}
	if s.Endpoint != "" {
		var err error
		if endpoint, err = parseEndpoint(s.Endpoint); err != nil {
			return nil, "", err
		}
	}
	escaped := escapeKey(key)
	u := &url.URL{Scheme: endpoint.Scheme, Host: endpoint.Host, Path: "/" + bucket + "/" + key, RawPath: "/" + bucket + "/" + escaped}
	if !s.PathStyle {
		if strings.Contains(bucket, ".") && endpoint.Scheme == "https" {
			return nil, "", fmt.Errorf("the bucket of %s has a dot in its name, which https cannot reach as BUCKET.%s: set SUBGATE_S3_PATH_STYLE=true", s.URL, endpoint.Host)
		}
		u = &url.URL{Scheme: endpoint.Scheme, Host: bucket + "." + endpoint.Host, Path: "/" + key, RawPath: "/" + escaped}
	}
	return u, s.URL + " (" + u.String() + ")", nil
}

// parseEndpoint checks SUBGATE_S3_ENDPOINT: a scheme and a host, https unless the host is loopback.
func parseEndpoint(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("SUBGATE_S3_ENDPOINT must be an https:// URL such as https://cos.ap-guangzhou.myqcloud.com, not %q", Redact(raw))
	}
	if u.Scheme == "http" && !IsLoopback(u.Hostname()) {
		return nil, fmt.Errorf("SUBGATE_S3_ENDPOINT must use https:// (plain http is allowed only to a loopback host), not %q", Redact(raw))
	}
	if u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("SUBGATE_S3_ENDPOINT must be a scheme and a host (and port) only, such as https://cos.ap-guangzhou.myqcloud.com, not %q", Redact(raw))
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host}, nil
}

// httpsLocation checks an https:// policy URL.
func httpsLocation(raw string) (*url.URL, string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, "", fmt.Errorf("SUBGATE_POLICY_URL must be s3://BUCKET/KEY or an https:// URL, not %q", Redact(raw))
	}
	if u.User != nil {
		return nil, "", fmt.Errorf("SUBGATE_POLICY_URL must not carry a user or password (%s)", Redact(raw))
	}
	if u.Scheme == "http" && !IsLoopback(u.Hostname()) {
		return nil, "", fmt.Errorf("SUBGATE_POLICY_URL must use https:// (plain http is allowed only to a loopback host), not %q", Redact(raw))
	}
	u.Fragment = ""
	return u, Redact(raw), nil
}

// Redact shows a URL as messages and logs may: without its user, password and query (a presigned
// URL's query is a credential), or only its scheme when it does not parse.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		scheme, _, _ := strings.Cut(raw, ":")
		return scheme + ":…"
	}
	shown := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath, Opaque: u.Opaque}
	if u.RawQuery != "" {
		return shown.String() + "?…"
	}
	return shown.String()
}

// IsLoopback is true for localhost and loopback addresses: the one place plain http may go.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// escapeKey escapes an object key as S3 canonical requests do: every byte but the unreserved
// characters and "/" as %XX.
func escapeKey(key string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-._~/", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// checkRedirect follows no redirect from an S3 store (its 301 and 307 name another region or
// endpoint: the answer says so) and, from an https:// URL, only to https or loopback.
func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	if f.s3 {
		return http.ErrUseLastResponse
	}
	if req.URL.Scheme != "https" && !(req.URL.Scheme == "http" && IsLoopback(req.URL.Hostname())) {
		return fmt.Errorf("%w: redirected to %s: a bundle is fetched over https only", ErrUnexpected, Redact(req.URL.String()))
	}
	if len(via) >= 10 {
		return fmt.Errorf("%w: stopped after 10 redirects", ErrUnexpected)
	}
	return nil
}

var signer = sigv4.New(func(o *v4.SignerOptions) {
	o.DisableDoublePathEscape = true // S3 signs the path as sent
	o.AddPayloadHashHeader = true    // and needs x-amz-content-sha256
})

// emptyPayload is the SHA-256 of a GET's empty body.
var emptyPayload = sha256.Sum256(nil)

// Fetch gets the object unless it still has the ETag etag (empty: get it anyway). It returns
// NotModified on a 304, else the body and its ETag. It gives up when ctx is done, and reads no
// more than the size limit.
func (f *Fetcher) Fetch(ctx context.Context, etag string) (Result, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.url.String(), nil)
	if err != nil {
		return Result{}, fmt.Errorf("%w: GET %s: %w", ErrUnexpected, f.where, err)
	}
	u := *f.url // the same URL, with the path escaped as signed
	req.URL = &u
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	if f.s3 {
		creds, err := f.credentials()
		if err != nil {
			return Result{}, fmt.Errorf("%w: GET %s: %w", ErrNoCredentials, f.where, err)
		}
		err = signer.SignRequest(&sigv4.SignRequestInput{
			Request: req, PayloadHash: emptyPayload[:], Service: "s3", Region: f.region,
			Credentials: credentials.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken},
		})
		if err != nil {
			return Result{}, fmt.Errorf("%w: signing GET %s: %w", ErrUnexpected, f.where, err)
		}
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return Result{}, f.failed(ctx, "GET", err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified:
		if got := resp.Header.Get("ETag"); got != "" {
			etag = got
		}
		return Result{NotModified: true, ETag: etag}, nil
	case http.StatusOK:
		body, err := f.read(ctx, resp)
		if err != nil {
			return Result{}, err
		}
		return Result{Body: body, ETag: resp.Header.Get("ETag")}, nil
	default:
		return Result{}, f.refused(resp)
	}
}

// read reads a 200's body, refusing it past the size limit without reading further. Its memory is
// never sized by the Content-Length the store announces, which only lets a body announced over
// the limit be refused at once: the body is read into chunks as it arrives, then copied into one
// buffer of its length. (A buffer that doubles as it fills leaves each smaller one behind, which
// the heap cannot reuse for the next, larger one: measured while swapping 45 MB bundles, its peak
// RSS was a fifth higher.) A body shorter than announced fails as a broken connection; one longer
// is cut at the announced length by net/http, and then fails to verify as a bundle.
func (f *Fetcher) read(ctx context.Context, resp *http.Response) ([]byte, error) {
	if resp.ContentLength > f.maxSize {
		return nil, fmt.Errorf("%w: GET %s: the body is %d bytes; the limit is %d", ErrTooBig, f.where, resp.ContentLength, f.maxSize)
	}
	var chunks [][]byte
	var total int64
	for size := int64(firstChunk); ; size = min(2*size, maxChunk) {
		chunk := make([]byte, min(size, f.maxSize+1-total))
		n, err := fill(resp.Body, chunk)
		chunks, total = append(chunks, chunk[:n]), total+int64(n)
		if total > f.maxSize {
			return nil, fmt.Errorf("%w: GET %s: the body is over the limit of %d bytes", ErrTooBig, f.where, f.maxSize)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, f.failed(ctx, "reading the body of", err)
		}
	}
	body := make([]byte, 0, total)
	for i, chunk := range chunks {
		body = append(body, chunk...)
		chunks[i] = nil
	}
	return body, nil
}

// The chunks a body is read into: the first is a small bundle's size, and each next one twice
// the last, up to maxChunk.
const (
	firstChunk = 64 << 10
	maxChunk   = 1 << 20
)

// fill reads from r until buf is full (nil error) or r fails or ends (its error, io.EOF
// included, as it is: unlike io.ReadFull, which would make a body cut short by the connection
// look like its end).
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// failed classifies an error sending the request or reading the answer: timeout or unreachable.
// net/http's *url.Error is unwrapped first, as its message repeats the full URL, query included.
func (f *Fetcher) failed(ctx context.Context, doing string, err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err
	}
	if errors.Is(err, ErrUnexpected) { // a redirect refused by checkRedirect
		return fmt.Errorf("%s %s: %w", doing, f.where, err)
	}
	var netErr net.Error
	if ctx.Err() != nil || (errors.As(err, &netErr) && netErr.Timeout()) {
		if cause := context.Cause(ctx); cause != nil {
			err = cause
		}
		return fmt.Errorf("%w: %s %s: %w", ErrTimeout, doing, f.where, err)
	}
	return fmt.Errorf("%w: %s %s: %w", ErrUnreachable, doing, f.where, err)
}

// refused is the error for an answer other than 200 and 304, with the code and message of an S3
// error document when there is one. The kind follows the status, except that the S3 codes for
// temporary credentials that are expired or malformed, sent with 400, are ErrForbidden too.
func (f *Fetcher) refused(resp *http.Response) error {
	var doc struct {
		Code      string
		Message   string
		RequestID string `xml:"RequestId"`
	}
	if data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10)); err != nil || xml.Unmarshal(data, &doc) != nil {
		doc.Code = ""
	}
	kind := ErrUnexpected
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden || credentialCodes[doc.Code]:
		kind = ErrForbidden
	case resp.StatusCode == http.StatusNotFound:
		kind = ErrNotFound
	case resp.StatusCode >= 500:
		kind = ErrServer
	}
	msg := fmt.Sprintf("%v: GET %s: %s", kind, f.where, resp.Status)
	if doc.Code != "" {
		msg += ": " + doc.Code
		if doc.Message != "" {
			msg += ": " + doc.Message
		}
		if doc.RequestID != "" {
			msg += " (request " + doc.RequestID + ")"
		}
	}
	return &kindError{kind: kind, msg: msg}
}

// credentialCodes are the S3 error codes S3 answers with 400 when the session token is wrong.
var credentialCodes = map[string]bool{"ExpiredToken": true, "InvalidToken": true, "TokenRefreshRequired": true}

// kindError is an error of a kind with a message of its own.
type kindError struct {
	kind error
	msg  string
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }
