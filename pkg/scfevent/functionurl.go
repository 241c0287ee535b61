package scfevent

import (
	"net/url"

	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/httpevent"
)

// FunctionURLEvent is the event an SCF event function receives from its Function URL:
// {"body", "headers", "httpMethod", "path", "queryString"}, without requestContext.
type FunctionURLEvent struct {
	HTTPMethod  string
	Path        string
	Headers     Headers
	QueryString Query
	Body        string
	// IsBase64Encoded is not sent by Function URLs today; it is honoured when present.
	IsBase64Encoded Flag
}

// FunctionURLResponse is the answer a Function URL expects from an event function.
type FunctionURLResponse struct {
	StatusCode int               `json:"statusCode"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
}

func decodeFunctionURL(fields httpevent.Object) (FunctionURLEvent, error) {
	var e FunctionURLEvent
	err := decodeFields(fields, []field{
		{"httpMethod", &e.HTTPMethod},
		{"path", &e.Path},
		{"headers", &e.Headers},
		{"queryString", &e.QueryString},
		{"body", &e.Body},
		{"isBase64Encoded", &e.IsBase64Encoded},
	})
	return e, err
}

// Request translates the event into the gate's request. A body that is not valid base64 when
// marked so is an error; the request then carries everything but the body.
func (e FunctionURLEvent) Request(requestID string) (gate.Request, error) {
	query := url.Values(e.QueryString)
	if query == nil {
		query = url.Values{}
	}
	req := gate.Request{Method: e.HTTPMethod, Query: query, Header: httpHeader(e.Headers), RequestID: requestID}
	body, err := httpevent.DecodeBody(e.Body, bool(e.IsBase64Encoded))
	req.Body = body
	return req, err
}

// NewFunctionURLResponse translates the gate's answer into the Function URL response.
func NewFunctionURLResponse(resp gate.Response) FunctionURLResponse {
	return FunctionURLResponse{StatusCode: resp.StatusCode, Headers: httpevent.SingleHeaders(resp.Header), Body: string(resp.Body)}
}

func (h *Handler) serveFunctionURL(inv invocation) []byte {
	req := gate.Request{RequestID: inv.requestID}
	e, err := decodeFunctionURL(inv.fields)
	if err == nil {
		req, err = e.Request(inv.requestID)
	}
	return httpevent.Encode(NewFunctionURLResponse(httpevent.Serve(inv.ctx, inv.gate, httpevent.FunctionURL, req, err)))
}
