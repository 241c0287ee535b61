package lambdaevent

import (
	"net/url"

	"github.com/aws/aws-lambda-go/events"

	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/httpevent"
)

// restAPIEvent is an API Gateway REST API proxy event (payload format 1.0).
type restAPIEvent events.APIGatewayProxyRequest

func (e *restAPIEvent) request() (gate.Request, error) {
	req := gate.Request{
		Method: e.HTTPMethod,
		Query:  queryOf(e.QueryStringParameters, e.MultiValueQueryStringParameters),
		Header: headerOf(e.Headers, e.MultiValueHeaders),
	}
	body, err := httpevent.DecodeBody(e.Body, e.IsBase64Encoded)
	req.Body = body
	return req, err
}

func (e *restAPIEvent) response(resp gate.Response) any {
	return newProxyResponse(resp)
}

// queryOf builds the query from an event's query fields, preferring the multi-value ones when the
// event has them: the single-value ones keep only the last of a repeated key.
func queryOf(single map[string]string, multi map[string][]string) url.Values {
	query := url.Values{}
	if len(multi) > 0 {
		for key, values := range multi {
			query[key] = append(query[key], values...)
		}
		return query
	}
	for key, v := range single {
		query.Set(key, v)
	}
	return query
}
