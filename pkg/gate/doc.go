// Package gate is subgate's decision core. Every entrypoint translates its platform's event into a
// Request, calls Gate.Serve, and translates the Response back; Gate checks the method, the SdkAppid,
// the signature, the size and the body, applies the policy and writes the answer and the log line.
// The command picks the decision: a subscription is always decided; a group invitation or
// application is decided when the policy decides groups (policy.DecidesGroups), and otherwise goes
// on, or is relayed, as every other command.
//
// A Gate also answers a webhook body invoked directly (ServeDirect, for cloud console tests) and is
// itself an http.Handler for the local server.
//
// # When subgate cannot decide
//
// A request subgate decides (OfficialAccount.CallbackBeforeAddSubscriber, and the group commands
// Group.CallbackBeforeInviteJoinGroup and Group.CallbackBeforeApplyJoinGroup, which it decides when
// the policy has a groups key and which it cannot tell apart from decided ones without a policy)
// that it cannot decide for a reason of its own — a configuration error (a Broken gate: no check can be trusted), no policy
// to decide by yet (once the SdkAppid, signature and body checks passed), an internal fault — is
// answered by the fail mode (SUBGATE_FAIL_MODE), in one place (undecided): 200 and OK, with ErrorCode
// 1 when closed (the default) and 0 when open, and an ErrorInfo "subgate cannot decide: <cause>". Its
// log line is at error, "undecided", with fail_mode and the cause. Every other request keeps its own
// answer; under a configuration error, that is 500 FAIL naming it.
package gate
