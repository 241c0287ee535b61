package lambdaevent

import (
	"strings"

	"github.com/subgate/subgate/pkg/httpevent"
)

// Detect tells which kind of event payload is, in the order written in the package documentation:
// httpevent.ALB, httpevent.FunctionURL, httpevent.HTTPAPI, httpevent.RESTAPI,
// httpevent.WebhookBody or httpevent.Unrecognised.
func Detect(payload []byte) httpevent.Kind {
	kind, _ := detect(payload)
	return kind
}

// detect is Detect that also says, for an unrecognised payload, what it is instead.
func detect(payload []byte) (httpevent.Kind, string) {
	o, err := httpevent.ParseObject(payload)
	if err != nil {
		return httpevent.Unrecognised, "the payload is not a JSON object"
	}
	context := o.Context()
	if what := httpevent.Foreign(o, context); what != "" {
		return httpevent.Unrecognised, what
	}
	switch {
	case httpevent.IsALB(context):
		return httpevent.ALB, ""
	case httpevent.IsPayload2(o, context) && strings.Contains(context.String("domainName"), ".lambda-url."):
		return httpevent.FunctionURL, ""
	case httpevent.IsPayload2(o, context):
		return httpevent.HTTPAPI, ""
	case o.Has("httpMethod") && o.Has("requestContext"):
		return httpevent.RESTAPI, ""
	case httpevent.IsWebhookBody(o):
		return httpevent.WebhookBody, ""
	}
	return httpevent.Unrecognised, `a JSON object without the fields of any event subgate takes ` +
		`(requestContext.elb; "version": "2.0" with requestContext.http; httpMethod with requestContext; CallbackCommand)`
}
