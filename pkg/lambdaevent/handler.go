package lambdaevent

import (
	"context"
	"fmt"
	"net/http"
	"runtime/debug"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/httpevent"
	"github.com/subgate/subgate/pkg/webhook"
)

// Handler answers Lambda invocations with Gate. It implements aws-lambda-go's lambda.Handler.
type Handler struct {
	Gate *gate.Gate
}

// httpEvent is an HTTP-shaped event: it gives the gate's request and shapes the gate's response.
type httpEvent interface {
	// request translates the event. An error means the body could not be decoded; the request
	// still carries everything else.
	request() (gate.Request, error)
	// response shapes the gate's answer as the platform expects it back.
	response(gate.Response) any
}

// Invoke answers one invocation. It never returns an error and never panics: a failure to
// translate the event is a FAIL answer, and a panic is recovered, logged once with its stack and
// answered as the gate answers an internal fault (gate.Gate.Fault: by the fail mode when the event
// carries a command subgate decides, else 500 FAIL), in the event's response shape (the bare answer
// before the event is known), so the runtime never reports a function error or restarts. The gate
// works within the invocation's deadline, less the time kept to answer (see gate.WithAnswerTime).
func (h Handler) Invoke(ctx context.Context, payload []byte) (answer []byte, _ error) {
	var requestID string
	command := func() string { return "" } // the event's CallbackCommand, read only after a panic
	respond := func(resp gate.Response) []byte { return resp.Body }
	defer func() {
		if p := recover(); p != nil {
			h.Gate.Logger().Error("internal fault", "request_id", requestID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			answer = respond(h.Gate.Fault(context.Background(), requestID, command))
		}
	}()
	kind, what := detect(payload)
	var event httpEvent
	var readErr error
	switch kind {
	case httpevent.WebhookBody:
		command = func() string { c, _ := webhook.Command(payload); return c }
	case httpevent.Unrecognised:
	default:
		event, readErr = decodeHTTPEvent(kind, payload)
		command = func() string {
			req, _ := event.request()
			c, _ := webhook.Single(req.Query, webhook.ParamCallbackCommand)
			return c
		}
		respond = func(resp gate.Response) []byte { return httpevent.Encode(event.response(resp)) }
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		requestID = lc.AwsRequestID
	}
	ctx, cancel := gate.WithAnswerTime(ctx)
	defer cancel()
	switch kind {
	case httpevent.WebhookBody:
		return h.Gate.ServeDirect(ctx, payload, requestID), nil
	case httpevent.Unrecognised:
		return h.Gate.Unrecognised(ctx, requestID, what), nil
	}
	var req gate.Request
	if readErr == nil {
		req, readErr = event.request()
	}
	req.RequestID = requestID
	return httpevent.Encode(event.response(httpevent.Serve(ctx, h.Gate, kind, req, readErr))), nil
}

// decodeHTTPEvent decodes payload as an HTTP-shaped event of kind. The event is returned even
// when a field has the wrong type, for its response shape.
func decodeHTTPEvent(kind httpevent.Kind, payload []byte) (httpEvent, error) {
	var event httpEvent
	switch kind {
	case httpevent.ALB:
		event = &albEvent{}
	case httpevent.FunctionURL:
		event = &functionURLEvent{}
	case httpevent.HTTPAPI:
		event = &httpAPIEvent{}
	case httpevent.RESTAPI:
		event = &restAPIEvent{}
	default:
		panic(fmt.Sprintf("lambdaevent: %s is not an HTTP event", kind))
	}
	return event, httpevent.Decode(payload, "", event)
}

// headerOf builds the request header from an event's header fields, preferring the multi-value
// ones when the event has them. Keys are canonicalised, so "content-type" reads as "Content-Type".
func headerOf(single map[string]string, multi map[string][]string) http.Header {
	header := http.Header{}
	if len(multi) > 0 {
		for key, values := range multi {
			for _, v := range values {
				header.Add(key, v)
			}
		}
		return header
	}
	for key, v := range single {
		header.Add(key, v)
	}
	return header
}

// proxyResponse is the response of API Gateway proxy integrations (both payload formats) and of
// Function URLs.
type proxyResponse struct {
	StatusCode      int               `json:"statusCode"`
	Headers         map[string]string `json:"headers"`
	Body            string            `json:"body"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
}

func newProxyResponse(resp gate.Response) proxyResponse {
	return proxyResponse{StatusCode: resp.StatusCode, Headers: httpevent.SingleHeaders(resp.Header), Body: string(resp.Body)}
}
