package scfevent

import (
	"bytes"
	"encoding/json"
)

// Kind is the kind of event an invocation carries.
type Kind int

// The kinds of event, in the order Detect checks for them (Unrecognised is what is left).
const (
	Unrecognised Kind = iota
	APIGateway
	FunctionURL
	WebhookBody
)

func (k Kind) String() string {
	switch k {
	case APIGateway:
		return "API Gateway"
	case FunctionURL:
		return "Function URL"
	case WebhookBody:
		return "webhook body"
	default:
		return "unrecognised"
	}
}

// Detect tells which kind of event payload is, by its top-level keys (see the package
// documentation for the order). For Unrecognised, why says what is wrong with the payload.
func Detect(payload []byte) (kind Kind, why string) {
	kind, _, why = detect(payload)
	return kind, why
}

// detect is Detect that also returns the payload's top-level fields, for the event's decoder.
func detect(payload []byte) (Kind, map[string]json.RawMessage, string) {
	trimmed := bytes.TrimSpace(payload)
	if len(trimmed) == 0 {
		return Unrecognised, nil, "the payload is empty"
	}
	if !json.Valid(trimmed) {
		return Unrecognised, nil, "the payload is not JSON"
	}
	if trimmed[0] != '{' {
		return Unrecognised, nil, "the payload is JSON but not an object"
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &fields); err != nil {
		return Unrecognised, nil, "the payload is not a JSON object"
	}
	switch {
	case present(fields, "requestContext"):
		return APIGateway, fields, ""
	case present(fields, "httpMethod"):
		return FunctionURL, fields, ""
	case present(fields, "CallbackCommand"):
		return WebhookBody, fields, ""
	}
	return Unrecognised, fields, "the payload has none of requestContext, httpMethod or CallbackCommand"
}

// present reports whether an event has the field name with a value other than null.
func present(fields map[string]json.RawMessage, name string) bool {
	v, ok := fields[name]
	return ok && !bytes.Equal(bytes.TrimSpace(v), []byte("null"))
}
