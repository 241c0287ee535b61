// Package gate is subgate's decision core. Every entrypoint translates its platform's event into a
// Request, calls Gate.Serve, and translates the Response back; Gate checks the method, the SdkAppid,
// the signature, the size and the body, applies the policy and writes the answer and the log line.
//
// A Gate also answers a webhook body invoked directly (ServeDirect, for cloud console tests) and is
// itself an http.Handler for the local server.
package gate
