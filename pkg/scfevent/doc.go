// Package scfevent translates Tencent SCF event-function invocations into subgate's gate.Request
// and the gate's answer back into the response each kind of event expects.
//
// An invocation's payload is told apart by its top-level JSON keys, in this order:
//
//  1. requestContext present: an API Gateway integration event (older deployments, TSE gateways,
//     the console's API Gateway test template). Answered with the integration response
//     {"isBase64Encoded": false, "statusCode", "headers", "body"}.
//  2. httpMethod present: a Function URL event. Answered with {"statusCode", "headers", "body"}.
//  3. CallbackCommand present: the webhook body itself, pasted into the console's test box.
//     Only principals allowed to invoke the function can send one, so it is answered with the
//     webhook answer object, without SdkAppid or signature checks (gate.Gate.ServeDirect).
//  4. Anything else, including a payload that is not JSON: a FAIL, 1 answer object saying the event
//     was not recognised (gate.Unrecognised).
//
// API Gateway is checked first because its events carry httpMethod as well. Both HTTP kinds are
// decoded with this package's own types, which accept what real events carry and the SDK's types
// do not: queryString values that are a string, an array of strings (a repeated key) or true (a
// key without a value); header names in any case; isBase64Encoded as a boolean or the string
// "true"/"false". An HTTP event that cannot be read (say, a body marked base64 that is not) is
// answered 400 in its own response shape, and so is one whose query string or headers are over the
// limits: more than gate.MaxParams query parameters or header values, or more than gate.MaxEnvelopeBytes in
// the two together. A base64 body is decoded only as far as the gate needs to refuse it as too
// large (over gate.MaxBodyBytes: 413).
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
