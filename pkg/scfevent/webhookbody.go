package scfevent

// serveWebhookBody answers a webhook body invoked directly, as pasted into the SCF console's test
// box: the payload is the body itself and the answer is the webhook answer object. Only principals
// allowed to invoke the function can send one, so the gate checks no SdkAppid or signature.
func (h *Handler) serveWebhookBody(inv invocation) []byte {
	return inv.gate.ServeDirect(inv.ctx, inv.payload, inv.requestID)
}
