// Package scfevent translates Tencent SCF event-function invocations into subgate's gate.Request
// and the gate's answer back into the response each kind of event expects.
//
// An invocation's payload is told apart by its top-level JSON fields, in this order (the first
// match wins; a field counts when its value is not null):
//
//  1. Not one JSON object (empty, not JSON, an array, a string, null): not recognised.
//  2. The marks of an event that no entrypoint takes (httpevent.Foreign): an API Gateway Lambda
//     authorizer's methodArn or routeArn, a WebSocket event's requestContext.connectionId or
//     websocket, a Bedrock agent's messageVersion and agent. Not recognised.
//  3. The marks of AWS's own HTTP events, which SCF never sends: requestContext.elb (an ALB target
//     group), "version": "2.0" with requestContext.http (an HTTP API or a Lambda Function URL). Not
//     recognised.
//  4. requestContext: an API Gateway integration event (older deployments, TSE gateways, the
//     console's API Gateway test template). Answered with the integration response
//     {"isBase64Encoded": false, "statusCode", "headers", "body"}. An AWS REST API event has the
//     same shape and is read the same way.
//  5. httpMethod: a Function URL event. Answered with {"statusCode", "headers", "body"}.
//  6. CallbackCommand: the webhook body itself, pasted into the console's test box. Only
//     principals allowed to invoke the function can send one, so it is answered with the webhook
//     answer object, without SdkAppid or signature checks (gate.Gate.ServeDirect).
//  7. Anything else: not recognised.
//
// A payload that is not recognised is answered with the bare FAIL, 1 answer object of
// gate.Gate.Unrecognised, "event not recognised: " and what the payload is instead. API Gateway is
// checked before Function URL because its events carry httpMethod as well.
//
// Both HTTP kinds are decoded with this package's own types, which accept what real events carry
// and the SDK's types do not: queryString values that are a string, an array of strings (a
// repeated key), true (a key without a value) or a number; header names in any case;
// isBase64Encoded as a boolean or the string "true"/"false". Reading, the limits and the response
// follow httpevent's one rule for both platforms: an event whose fields have the wrong types or
// whose body is marked base64 and is not is answered 400, "the <kind> cannot be read: ...", in
// its own response shape; one over the envelope limits (more than gate.MaxParams query
// parameters or header values, or more than gate.MaxEnvelopeBytes in the two together) is
// answered 400 naming the limit. A base64 body is decoded only as far as the gate needs to refuse
// it as too large (over gate.MaxBodyBytes: 413).
//
// A panic in the handler or the gate is recovered, logged once with its stack, and answered 500
// FAIL in the event's response shape. The gate works within the invocation's deadline less a
// reserve (a quarter of the time left, at most 250 ms), so that a relay to a backend that hangs
// is cut off and answered OK, 0 before SCF ends the invocation.
//
// Handler is the scf-go-lib handler (Invoke(ctx, []byte) ([]byte, error)) that does all of this. It
// builds its gate on the first invocation, because scf-go-lib sets the function's environment
// variables from each invoke request just before calling the handler.
package scfevent
