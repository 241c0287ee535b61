// Package lambdaevent answers AWS Lambda invocations with a gate.Gate. Handler implements
// aws-lambda-go's raw-bytes lambda.Handler, so every payload reaches it, even one that is not JSON.
//
// Detect tells the event kinds apart from the raw JSON by the fields that make each kind that
// kind, never by one field alone, in this order (the first match wins; a field counts when its
// value is not null):
//
//  1. Not one JSON object: not recognised.
//  2. The marks of an event that no entrypoint takes (httpevent.Foreign): an API Gateway Lambda
//     authorizer's methodArn (REST API TOKEN and REQUEST authorizers) or routeArn (HTTP API
//     authorizers), a WebSocket event's requestContext.connectionId, a Tencent WebSocket event's
//     websocket, a Bedrock agent's messageVersion and agent. These events carry httpMethod,
//     requestContext or "version": "2.0" too, so they are told apart first. Not recognised.
//  3. requestContext.elb: an ALB target group event. The answer uses multiValueHeaders when the
//     request did (the target group has multi-value headers on), headers otherwise. ALB passes the
//     query string as the client sent it, so its keys and values are percent-decoded here.
//  4. "version": "2.0" with requestContext.http, and requestContext.domainName a *.lambda-url.*
//     name: a Function URL event.
//  5. "version": "2.0" with requestContext.http: an API Gateway HTTP API event (payload format
//     2.0). Its queryStringParameters join repeated keys with commas, so the query is read from
//     rawQueryString.
//  6. httpMethod with requestContext: an API Gateway REST API proxy event (payload format 1.0);
//     the multi-value query fields are used when present. A Tencent API Gateway event has the same
//     shape and is read the same way.
//  7. CallbackCommand: the webhook body itself, pasted into the Lambda console's test box. Only
//     principals allowed to invoke the function can send one, so it is answered by
//     gate.Gate.ServeDirect, without SdkAppid or signature checks, with the bare webhook answer.
//  8. Anything else: not recognised.
//
// A payload that is not recognised is answered with the bare FAIL, 1 answer object of
// gate.Gate.Unrecognised, "event not recognised: " and what the payload is instead.
//
// The HTTP events are decoded into aws-lambda-go's event types. Reading, the limits and the
// response follow httpevent's one rule for both platforms: an event whose fields have the wrong
// types, or whose body is marked base64 ("isBase64Encoded": true) and is not, is answered 400,
// "the <kind> cannot be read: ...", in its own response shape; one over the envelope limits (more
// than gate.MaxParams query parameters or header values, or more than gate.MaxEnvelopeBytes in
// the two together) is answered 400 naming the limit. A base64 body is decoded only as far as the
// gate needs to refuse it as too large (over gate.MaxBodyBytes: 413). Every other decision is the
// gate's.
//
// A panic in the handler or the gate is recovered, logged once with its stack, and answered 500
// FAIL in the event's response shape. The gate works within the invocation's deadline less a
// reserve (a quarter of the time left, at most 250 ms), so that a relay to a backend that hangs is
// cut off and answered OK, 0 before Lambda ends the invocation. The Lambda request ID goes into
// gate.Request.RequestID and so into the log line.
package lambdaevent
