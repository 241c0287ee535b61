package scfevent

import (
	"net/url"

	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/httpevent"
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

func decodeAPIGateway(fields httpevent.Object) (APIGatewayEvent, error) {
	var e APIGatewayEvent
	err := decodeFields(fields, []field{
		{"requestContext", &e.RequestContext},
		{"httpMethod", &e.HTTPMethod},
		{"path", &e.Path},
		{"headers", &e.Headers},
		{"queryString", &e.QueryString},
		{"queryStringParameters", &e.QueryStringParameters},
		{"body", &e.Body},
		{"isBase64Encoded", &e.IsBase64Encoded},
	})
	return e, err
}

// Request translates the event into the gate's request. requestID is the SCF invocation's ID;
// when it is empty the gateway's requestId is used. A body that is not valid base64 when marked so
// is an error; the request then carries everything but the body.
func (e APIGatewayEvent) Request(requestID string) (gate.Request, error) {
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
	req := gate.Request{Method: method, Query: query, Header: httpHeader(e.Headers), RequestID: requestID}
	body, err := httpevent.DecodeBody(e.Body, bool(e.IsBase64Encoded))
	req.Body = body
	return req, err
}

// NewAPIGatewayResponse translates the gate's answer into the integration response.
func NewAPIGatewayResponse(resp gate.Response) APIGatewayResponse {
	return APIGatewayResponse{StatusCode: resp.StatusCode, Headers: httpevent.SingleHeaders(resp.Header), Body: string(resp.Body)}
}

func (h *Handler) serveAPIGateway(inv invocation) []byte {
	req := gate.Request{RequestID: inv.requestID}
	e, err := decodeAPIGateway(inv.fields)
	if err == nil {
		req, err = e.Request(inv.requestID)
	}
	return httpevent.Encode(NewAPIGatewayResponse(httpevent.Serve(inv.ctx, inv.gate, httpevent.APIGateway, req, err)))
}
