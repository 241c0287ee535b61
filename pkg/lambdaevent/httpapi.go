package lambdaevent

import (
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/httpevent"
)

// httpAPIEvent is an API Gateway HTTP API event (payload format 2.0).
type httpAPIEvent events.APIGatewayV2HTTPRequest

func (e *httpAPIEvent) request() (gate.Request, error) {
	return requestV2(e.RequestContext.HTTP.Method, e.RawQueryString, e.QueryStringParameters, e.Headers, e.Cookies, e.Body, e.IsBase64Encoded)
}

func (e *httpAPIEvent) response(resp gate.Response) any {
	return newProxyResponse(resp)
}

// requestV2 translates the fields payload format 2.0 shares between HTTP APIs and Function URLs.
func requestV2(method, rawQuery string, queryParams, headers map[string]string, cookies []string, body string, isBase64 bool) (gate.Request, error) {
	req := gate.Request{Method: method, Query: queryV2(rawQuery, queryParams), RawQuery: rawQuery, Header: headerOf(headers, nil)}
	if len(cookies) > 0 {
		// Payload 2.0 moves the Cookie header into its own field.
		req.Header.Set("Cookie", strings.Join(cookies, "; "))
	}
	decoded, err := httpevent.DecodeBody(body, isBase64)
	req.Body = decoded
	return req, err
}

// queryV2 reads the query from rawQueryString, which keeps each value of a repeated key apart
// (queryStringParameters joins them with commas). A hand-written event with only
// queryStringParameters is read from those, one value per key.
func queryV2(rawQuery string, params map[string]string) url.Values {
	if rawQuery == "" {
		return queryOf(params, nil)
	}
	// ParseQuery keeps every pair it can decode; a pair it cannot is left out, and the gate then
	// sees that parameter as missing.
	query, _ := url.ParseQuery(rawQuery)
	return query
}
