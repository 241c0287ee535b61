// Package lambdaevent answers AWS Lambda invocations with a gate.Gate. Handler implements
// aws-lambda-go's raw-bytes lambda.Handler, so every payload reaches it, even one that is not JSON.
//
// Detect tells the event kinds apart from the raw JSON, in this order (the first match wins):
//
//  1. requestContext.elb: an ALB target group event. The answer uses multiValueHeaders when the
//     request did (the target group has multi-value headers on), headers otherwise. ALB passes the
//     query string as the client sent it, so its keys and values are percent-decoded here.
//  2. "version": "2.0" with requestContext.domainName containing ".lambda-url.": a Function URL event.
//  3. "version": "2.0": an API Gateway HTTP API event (payload format 2.0). Its
//     queryStringParameters join repeated keys with commas, so the query is read from rawQueryString.
//  4. A top-level httpMethod: an API Gateway REST API proxy event (payload format 1.0); the
//     multi-value query fields are used when present.
//  5. A top-level CallbackCommand: the webhook body itself, pasted into the Lambda console's test
//     box. Only principals allowed to invoke the function can send one, so it is answered by
//     gate.Gate.ServeDirect, without SdkAppid or signature checks, with the bare webhook answer.
//  6. Anything else, including a payload that is not JSON: the bare FAIL answer of gate.Unrecognised.
//
// HTTP events with "isBase64Encoded": true have their body decoded first; a body that is not valid
// base64 is answered 400 with a FAIL answer in the event's response shape, and so is an event whose
// query string or headers are over the limits: more than gate.MaxParams query parameters or header
// values, or more than gate.MaxEnvelopeBytes in the two together. A base64 body is decoded only as far
// as the gate needs to refuse it as too large (over gate.MaxBodyBytes: 413). Every other decision
// is the gate's.
//
// A panic in the handler or the gate is recovered, logged once with its stack, and answered 500
// FAIL in the event's response shape. The gate works within the invocation's deadline less a
// reserve (a quarter of the time left, at most 250 ms), so that a relay to a backend that hangs is
// cut off and answered OK, 0 before Lambda ends the invocation. The Lambda request ID goes into gate.Request.RequestID and so into the log line.
package lambdaevent
