package lambdaevent

import (
	"encoding/json"
	"strings"
)

// Kind is the kind of event an invocation payload is, named as a reader would say it.
type Kind string

// The kinds Detect tells apart, in the order it checks them.
const (
	KindALB          Kind = "ALB target group event"
	KindFunctionURL  Kind = "Function URL event"
	KindHTTPAPI      Kind = "API Gateway HTTP API event (payload 2.0)"
	KindRESTAPI      Kind = "API Gateway REST API event (payload 1.0)"
	KindWebhookBody  Kind = "webhook body"
	KindUnrecognised Kind = "unrecognised payload"
)

// Detect tells which kind of event payload is, by the order written in the package documentation.
func Detect(payload []byte) Kind {
	kind, _ := detect(payload)
	return kind
}

// detect is Detect that also says, for an unrecognised payload, what it is instead.
func detect(payload []byte) (Kind, string) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(payload, &top); err != nil || top == nil {
		return KindUnrecognised, "the payload is not a JSON object"
	}
	// A requestContext that is not an object leaves context empty: the event is then told apart
	// by its other fields, as one without a requestContext would be.
	var context map[string]json.RawMessage
	_ = json.Unmarshal(top["requestContext"], &context)
	switch {
	case present(context["elb"]):
		return KindALB, ""
	case stringField(top["version"]) == "2.0":
		if strings.Contains(stringField(context["domainName"]), ".lambda-url.") {
			return KindFunctionURL, ""
		}
		return KindHTTPAPI, ""
	case present(top["httpMethod"]):
		return KindRESTAPI, ""
	case present(top["CallbackCommand"]):
		return KindWebhookBody, ""
	}
	return KindUnrecognised, `a JSON object with none of requestContext.elb, "version": "2.0", httpMethod or CallbackCommand`
}

func present(raw json.RawMessage) bool {
	return len(raw) > 0 && string(raw) != "null"
}

// stringField is the value of a JSON string, "" for anything else.
func stringField(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}
