package scfevent

import (
	"encoding/json"
	"net/url"

	"github.com/subgate/subgate/pkg/gate"
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

func decodeFunctionURL(fields map[string]json.RawMessage) (FunctionURLEvent, error) {
	var e FunctionURLEvent
	for _, f := range []struct {
		name string
		into any
	}{
		{"httpMethod", &e.HTTPMethod},
		{"path", &e.Path},
		{"headers", &e.Headers},
		{"queryString", &e.QueryString},
		{"body", &e.Body},
		{"isBase64Encoded", &e.IsBase64Encoded},
	} {
		if err := decodeField(fields, f.name, f.into); err != nil {
			return e, err
		}
	}
	return e, nil
}

// Request translates the event into the gate's request. A body that is not valid base64 when marked
// so, or a query string or headers over the limits (gate.MaxParams, gate.MaxEnvelopeBytes), is an error.
func (e FunctionURLEvent) Request(requestID string) (gate.Request, error) {
	body, err := decodeBody(e.Body, e.IsBase64Encoded)
	if err != nil {
		return gate.Request{}, err
	}
	query := url.Values(e.QueryString)
	if query == nil {
		query = url.Values{}
	}
	req := gate.Request{
		Method:    e.HTTPMethod,
		Query:     query,
		Header:    httpHeader(e.Headers),
		Body:      body,
		RequestID: requestID,
	}
	return req, gate.CheckEnvelope(req)
}

// NewFunctionURLResponse translates the gate's answer into the Function URL response.
func NewFunctionURLResponse(resp gate.Response) FunctionURLResponse {
	return FunctionURLResponse{StatusCode: resp.StatusCode, Headers: singleHeaders(resp.Header), Body: string(resp.Body)}
}

func (h *Handler) serveFunctionURL(inv invocation) []byte {
	e, err := decodeFunctionURL(inv.fields)
	var req gate.Request
	if err == nil {
		req, err = e.Request(inv.requestID)
	}
	if err != nil {
		return encode(NewFunctionURLResponse(h.unreadable(inv, FunctionURL, err)))
	}
	return encode(NewFunctionURLResponse(inv.gate.Serve(inv.ctx, req)))
}
