package httpevent

// Kind is the kind of event an invocation carries, named as a reader would say it: the name
// appears in answers ("the API Gateway event cannot be read: ...").
type Kind string

// The kinds of event the entrypoints take. Each entrypoint takes some of them and tells them apart
// in the order its package documentation gives.
const (
	// APIGateway is a Tencent API Gateway integration event (SCF).
	APIGateway Kind = "API Gateway event"
	// FunctionURL is a Function URL event: SCF's, or Lambda's (payload format 2.0).
	FunctionURL Kind = "Function URL event"
	// ALB is an Application Load Balancer target group event (Lambda).
	ALB Kind = "ALB target group event"
	// HTTPAPI is an API Gateway HTTP API event, payload format 2.0 (Lambda).
	HTTPAPI Kind = "API Gateway HTTP API event (payload 2.0)"
	// RESTAPI is an API Gateway REST API proxy event, payload format 1.0 (Lambda).
	RESTAPI Kind = "API Gateway REST API event (payload 1.0)"
	// WebhookBody is a webhook body without an HTTP envelope, as pasted into a console's test box.
	WebhookBody Kind = "webhook body"
	// Unrecognised is any other payload.
	Unrecognised Kind = "unrecognised payload"
)

// String is the kind's name.
func (k Kind) String() string { return string(k) }
