// Package webhook holds the Tencent Cloud Chat webhook protocol as subgate speaks it: the query
// parameters Chat sends, the bodies of the commands subgate decides
// (OfficialAccount.CallbackBeforeAddSubscriber, and Group.CallbackBeforeInviteJoinGroup and
// Group.CallbackBeforeApplyJoinGroup), the answer object, and the optional signature
// (Sign = hex(SHA-256(token + RequestTime))).
//
// Every body is read as strictly: one JSON object in valid UTF-8, no key given twice (in any letter
// case or escape), each documented field of its documented type; an error wraps ErrBadBody and
// names the field.
//
// It knows nothing of policies or clouds.
package webhook
