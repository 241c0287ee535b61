// Package webhook holds the Tencent Cloud Chat webhook protocol as subgate speaks it: the query
// parameters Chat sends, the body of OfficialAccount.CallbackBeforeAddSubscriber, the answer object,
// and the optional signature (Sign = hex(SHA-256(token + RequestTime))).
//
// It knows nothing of policies or clouds.
package webhook
