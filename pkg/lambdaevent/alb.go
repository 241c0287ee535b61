package lambdaevent

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/aws/aws-lambda-go/events"

	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/httpevent"
)

// albEvent is an Application Load Balancer target group event.
type albEvent events.ALBTargetGroupRequest

// albResponse is the response an ALB target group expects. With multi-value headers on, the
// load balancer reads only multiValueHeaders; with them off, only headers.
type albResponse struct {
	StatusCode        int                 `json:"statusCode"`
	StatusDescription string              `json:"statusDescription"`
	Headers           map[string]string   `json:"headers,omitempty"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders,omitempty"`
	Body              string              `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

func (e *albEvent) request() (gate.Request, error) {
	req := gate.Request{
		Method: e.HTTPMethod,
		Query:  unescapeQuery(queryOf(e.QueryStringParameters, e.MultiValueQueryStringParameters)),
		Header: headerOf(e.Headers, e.MultiValueHeaders),
	}
	body, err := httpevent.DecodeBody(e.Body, e.IsBase64Encoded)
	req.Body = body
	return req, err
}

func (e *albEvent) response(resp gate.Response) any {
	out := albResponse{
		StatusCode:        resp.StatusCode,
		StatusDescription: fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode)),
		Body:              string(resp.Body),
	}
	if e.usesMultiValue() {
		out.MultiValueHeaders = resp.Header
	} else {
		out.Headers = httpevent.SingleHeaders(resp.Header)
	}
	return out
}

// usesMultiValue reports whether the target group sends (and so expects back) multi-value fields.
func (e *albEvent) usesMultiValue() bool {
	return e.MultiValueHeaders != nil || e.MultiValueQueryStringParameters != nil
}

// unescapeQuery percent-decodes keys and values: an ALB passes the query string as the client sent
// it. A key or value that is not valid percent-encoding is kept as it came.
func unescapeQuery(query url.Values) url.Values {
	out := make(url.Values, len(query))
	for key, values := range query {
		k := unescape(key)
		for _, v := range values {
			out[k] = append(out[k], unescape(v))
		}
	}
	return out
}

func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}
