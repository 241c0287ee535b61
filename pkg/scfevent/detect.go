package scfevent

import "github.com/subgate/subgate/pkg/httpevent"

// Detect tells which kind of event payload is, in the order written in the package documentation:
// httpevent.APIGateway, httpevent.FunctionURL, httpevent.WebhookBody, or httpevent.Unrecognised
// with why, which says what the payload is instead.
func Detect(payload []byte) (kind httpevent.Kind, why string) {
	kind, _, why = detect(payload)
	return kind, why
}

// detect is Detect that also returns the payload's top-level fields, for the event's decoder.
func detect(payload []byte) (httpevent.Kind, httpevent.Object, string) {
	o, err := httpevent.ParseObject(payload)
	if err != nil {
		return httpevent.Unrecognised, nil, err.Error()
	}
	context := o.Context()
	if what := httpevent.Foreign(o, context); what != "" {
		return httpevent.Unrecognised, o, what
	}
	switch {
	case httpevent.IsALB(context):
		return httpevent.Unrecognised, o, "an AWS ALB target group event (it has requestContext.elb)"
	case httpevent.IsPayload2(o, context):
		return httpevent.Unrecognised, o, `an AWS HTTP API or Lambda Function URL event (it has "version": "2.0" and requestContext.http)`
	case o.Has("requestContext"):
		return httpevent.APIGateway, o, ""
	case o.Has("httpMethod"):
		return httpevent.FunctionURL, o, ""
	case httpevent.IsWebhookBody(o):
		return httpevent.WebhookBody, o, ""
	}
	return httpevent.Unrecognised, o, "the payload has none of requestContext, httpMethod or CallbackCommand"
}
