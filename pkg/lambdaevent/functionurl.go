package lambdaevent

import (
	"github.com/aws/aws-lambda-go/events"

	"github.com/subgate/subgate/pkg/gate"
)

// functionURLEvent is a Lambda Function URL event: payload format 2.0 under a *.lambda-url.* domain.
type functionURLEvent events.LambdaFunctionURLRequest

func (e *functionURLEvent) request() (gate.Request, error) {
	return requestV2(e.RequestContext.HTTP.Method, e.RawQueryString, e.QueryStringParameters, e.Headers, e.Cookies, e.Body, e.IsBase64Encoded)
}

func (e *functionURLEvent) response(resp gate.Response) any {
	return newProxyResponse(resp)
}
