// Package httpevent is what the serverless entrypoints (scfevent for Tencent SCF, lambdaevent for
// AWS Lambda) share in answering an invocation: the names of the kinds of event, the payload's
// top-level object and the marks that tell kinds apart, the request body, the one rule by which a
// translated request is refused or served, and the response written back.
//
// One rule for both platforms:
//
//   - An HTTP event that is recognised but cannot be read (a field of the wrong type, a body marked
//     base64 that is not) is answered 400, FAIL, "the <kind> cannot be read: <why>", in the event's
//     own response shape. One over the envelope limits (gate.CheckEnvelope) is answered 400 with
//     the limit it broke, as the HTTP server answers it. Any other goes to gate.Gate.Serve.
//   - A body marked base64 may come with or without padding.
//   - Responses are compact JSON as encoding/json writes it without HTML escaping, as the gate
//     writes its answers: "<", ">" and "&" are written as they are, at every level.
//
// It knows the gate's request and response, and nothing of either platform's SDK; the gate does
// not import it.
package httpevent
