package lambdaevent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/subgate/subgate/pkg/gate"
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

// errBadBase64 is wrapped by the error for a body that isBase64Encoded says is base64 and is not.
var errBadBase64 = errors.New("the request body is not valid base64 (isBase64Encoded is true)")

// Invoke answers one invocation. It never returns an error and never panics: a failure to
// translate the event is a FAIL answer, and a panic is recovered, logged once with its stack and
// answered 500 FAIL in the event's response shape (the bare FAIL answer before the event is known),
// so the runtime never reports a function error or restarts. The gate works within the
// invocation's deadline, less the time kept to answer (see gate.WithAnswerTime).
func (h Handler) Invoke(ctx context.Context, payload []byte) (answer []byte, _ error) {
	var requestID string
	fault := func() []byte { return gate.InternalFault().Body }
	defer func() {
		if p := recover(); p != nil {
			h.Gate.Logger().Error("internal fault", "request_id", requestID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			answer = fault()
		}
	}()
	kind, what := detect(payload)
	var event httpEvent
	var decodeErr error
	if kind != KindWebhookBody && kind != KindUnrecognised {
		event, decodeErr = decodeHTTPEvent(kind, payload)
	}
	if event != nil {
		fault = func() []byte { return encodeResponse(event.response(gate.InternalFault())) }
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		requestID = lc.AwsRequestID
	}
	ctx, cancel := gate.WithAnswerTime(ctx)
	defer cancel()
	switch {
	case kind == KindWebhookBody:
		return h.Gate.ServeDirect(ctx, payload, requestID), nil
	case kind == KindUnrecognised:
		return h.Gate.Unrecognised(ctx, requestID, what), nil
	case decodeErr != nil:
		return h.Gate.Unrecognised(ctx, requestID, fmt.Sprintf("the fields of this %s have the wrong types: %v", kind, decodeErr)), nil
	}
	return encodeResponse(event.response(h.serve(ctx, event, requestID))), nil
}

// encodeResponse encodes a platform response. The responses hold only strings, ints, bools and
// maps of them: encoding cannot fail.
func encodeResponse(response any) []byte {
	out, _ := json.Marshal(response)
	return out
}

func (h Handler) serve(ctx context.Context, event httpEvent, requestID string) gate.Response {
	req, err := event.request()
	req.RequestID = requestID
	if err == nil {
		err = gate.CheckEnvelope(req)
	}
	if err != nil {
		return h.Gate.Refuse(ctx, requestID, err.Error(), nil)
	}
	return h.Gate.Serve(ctx, req)
}

// decodeHTTPEvent decodes payload as an HTTP-shaped event of kind.
func decodeHTTPEvent(kind Kind, payload []byte) (httpEvent, error) {
	var event httpEvent
	switch kind {
	case KindALB:
		event = &albEvent{}
	case KindFunctionURL:
		event = &functionURLEvent{}
	case KindHTTPAPI:
		event = &httpAPIEvent{}
	case KindRESTAPI:
		event = &restAPIEvent{}
	default:
		return nil, fmt.Errorf("%s is not an HTTP event", kind)
	}
	if err := json.Unmarshal(payload, event); err != nil {
		return nil, err
	}
	return event, nil
}

// decodeBody returns the body, base64-decoded when the event says it is encoded.
func decodeBody(body string, isBase64 bool) ([]byte, error) {
	if !isBase64 {
		return []byte(body), nil
	}
	decoded, err := gate.DecodeBase64Body(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errBadBase64, err)
	}
	return decoded, nil
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
	return proxyResponse{StatusCode: resp.StatusCode, Headers: singleHeaders(resp.Header), Body: string(resp.Body)}
}

// singleHeaders flattens a header to one value a key, joining repeated values as HTTP does.
func singleHeaders(header http.Header) map[string]string {
	out := make(map[string]string, len(header))
	for key, values := range header {
		out[key] = strings.Join(values, ", ")
	}
	return out
}
