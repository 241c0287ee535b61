package httpevent

import (
	"bytes"
	"encoding/json"
	"errors"
)

// Object is a JSON object's fields, each still JSON: what detection reads of a payload.
type Object map[string]json.RawMessage

// Why ParseObject refuses a payload.
var (
	ErrEmpty     = errors.New("the payload is empty")
	ErrNotJSON   = errors.New("the payload is not JSON")
	ErrNotObject = errors.New("the payload is JSON but not an object")
)

// ParseObject reads payload as one JSON object (whitespace around it aside). Its error is one of
// ErrEmpty, ErrNotJSON and ErrNotObject.
func ParseObject(payload []byte) (Object, error) {
	trimmed := bytes.TrimSpace(payload)
	var o Object
	if len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(trimmed, &o) == nil {
		return o, nil // the common case: one pass over the payload
	}
	switch {
	case len(trimmed) == 0:
		return nil, ErrEmpty
	case !json.Valid(trimmed):
		return nil, ErrNotJSON
	}
	return nil, ErrNotObject
}

// Context is the object's requestContext when it is an object, nil otherwise: the marks below read
// it, so a detection parses it once and hands it to each.
func (o Object) Context() Object { return o.Object("requestContext") }

// Has reports whether the object has the field name with a value other than null.
func (o Object) Has(name string) bool {
	v, ok := o[name]
	return ok && !bytes.Equal(bytes.TrimSpace(v), []byte("null"))
}

// Object is the field name when it is an object, nil otherwise.
func (o Object) Object(name string) Object {
	var inner Object
	if json.Unmarshal(o[name], &inner) != nil {
		return nil
	}
	return inner
}

// String is the field name when it is a string, "" otherwise.
func (o Object) String(name string) string {
	var s string
	if json.Unmarshal(o[name], &s) != nil {
		return ""
	}
	return s
}

// The marks of the kinds of event, each written once. A mark is a field with a value other than
// null; the fields' types are checked when the event is decoded, so an event with the marks of a
// kind and a field of the wrong type is that kind, and cannot be read.

// IsALB reports whether an event whose requestContext is context has the mark of an ALB target
// group event: requestContext.elb.
func IsALB(context Object) bool { return context.Has("elb") }

// IsPayload2 reports whether o, whose requestContext is context, has the marks of an HTTP event in
// payload format 2.0 (an HTTP API or a Lambda Function URL): "version": "2.0" and
// requestContext.http, which carries the method.
func IsPayload2(o, context Object) bool {
	return o.String("version") == "2.0" && context.Has("http")
}

// IsWebhookBody reports whether o has the mark of a webhook body: CallbackCommand.
func IsWebhookBody(o Object) bool { return o.Has("CallbackCommand") }

// Foreign names the kind of o (whose requestContext is context) when o has the marks of an event that no entrypoint takes, and is
// "" otherwise. These events come from the same gateways as the ones subgate takes and share
// fields with them (an authorizer's or a WebSocket event's httpMethod and requestContext, a Bedrock
// agent's httpMethod), so they are told apart by fields only they have, before any other kind:
//
//   - methodArn or routeArn: an API Gateway Lambda authorizer event (a REST API's TOKEN or REQUEST
//     authorizer, an HTTP API's REQUEST authorizer);
//   - requestContext.connectionId: an AWS API Gateway WebSocket event ($connect, a message,
//     $disconnect);
//   - websocket: a Tencent API Gateway WebSocket event;
//   - messageVersion and agent: an Amazon Bedrock agent action group event.
func Foreign(o, context Object) string {
	switch {
	case o.Has("methodArn"):
		return "an API Gateway Lambda authorizer event (it has methodArn)"
	case o.Has("routeArn"):
		return "an API Gateway Lambda authorizer event (it has routeArn)"
	case context.Has("connectionId"):
		return "an API Gateway WebSocket event (it has requestContext.connectionId)"
	case o.Has("websocket"):
		return "an API Gateway WebSocket event (it has websocket)"
	case o.Has("messageVersion") && o.Has("agent"):
		return "a Bedrock agent event (it has messageVersion and agent)"
	}
	return ""
}
