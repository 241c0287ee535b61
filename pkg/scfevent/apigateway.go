package scfevent

import (
	"encoding/json"
	"net/url"

	"github.com/subgate/subgate/pkg/gate"
)

// APIGatewayEvent is an API Gateway integration event: the Function URL fields plus
// requestContext, queryStringParameters, headerParameters and others. queryString is preferred to
// queryStringParameters because it keeps every value of a repeated key.
type APIGatewayEvent struct {
	RequestContext        APIGatewayContext
	HTTPMethod            string
	Path                  string
	Headers               Headers
	QueryString           Query
	QueryStringParameters Query
	Body                  string
	IsBase64Encoded       Flag
}

// APIGatewayContext is the part of requestContext subgate reads. Real events sometimes lack requestId.
type APIGatewayContext struct {
	RequestID  string `json:"requestId"`
	HTTPMethod string `json:"httpMethod"`
}

// APIGatewayResponse is the integration response API Gateway expects from the function.
type APIGatewayResponse struct {
	IsBase64Encoded bool              `json:"isBase64Encoded"`
	StatusCode      int               `json:"statusCode"`
	Headers         map[string]string `json:"headers"`
	Body            string            `json:"body"`
}

func decodeAPIGateway(fields map[string]json.RawMessage) (APIGatewayEvent, error) {
	var e APIGatewayEvent
	for _, f := range []struct {
		name string
		into any
	}{
		{"requestContext", &e.RequestContext},
		{"httpMethod", &e.HTTPMethod},
		{"path", &e.Path},
		{"headers", &e.Headers},
		{"queryString", &e.QueryString},
		{"queryStringParameters", &e.QueryStringParameters},
		{"body", &e.Body},
		{"isBase64Encoded", &e.IsBase64Encoded},
	} {
		if err := decodeField(fields, f.name, f.into); err != nil {
			return e, err
		}
	}
	return e, nil
}

// Request translates the event into the gate's request. requestID is the SCF invocation's ID;
// when it is empty the gateway's requestId is used. A body that is not valid base64 when marked so,
// or a query string or headers over the limits (gate.MaxParams, gate.MaxEnvelopeBytes), is an error.
func (e APIGatewayEvent) Request(requestID string) (gate.Request, error) {
	body, err := decodeBody(e.Body, e.IsBase64Encoded)
	if err != nil {
		return gate.Request{}, err
	}
	method := e.HTTPMethod
	if method == "" {
		method = e.RequestContext.HTTPMethod
	}
	query := url.Values(e.QueryString)
	if len(query) == 0 {
		query = url.Values(e.QueryStringParameters)
	}
	if query == nil {
		query = url.Values{}
	}
	if requestID == "" {
		requestID = e.RequestContext.RequestID
	}
	req := gate.Request{
		Method:    method,
		Query:     query,
		Header:    httpHeader(e.Headers),
		Body:      body,
		RequestID: requestID,
	}
	return req, gate.CheckEnvelope(req)
}

// NewAPIGatewayResponse translates the gate's answer into the integration response.
func NewAPIGatewayResponse(resp gate.Response) APIGatewayResponse {
	return APIGatewayResponse{StatusCode: resp.StatusCode, Headers: singleHeaders(resp.Header), Body: string(resp.Body)}
}

func (h *Handler) serveAPIGateway(inv invocation) []byte {
	e, err := decodeAPIGateway(inv.fields)
	var req gate.Request
	if err == nil {
		req, err = e.Request(inv.requestID)
	}
	if err != nil {
		return encode(NewAPIGatewayResponse(h.unreadable(inv, APIGateway, err)))
	}
	return encode(NewAPIGatewayResponse(inv.gate.Serve(inv.ctx, req)))
}
