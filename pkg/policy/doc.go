// Package policy holds the app owner's subscription policy: who may subscribe to which Official
// Channel. It loads the policy file (YAML, so JSON too), its list files, and decides each request.
//
// The rules, in order: a trusted operator is allowed in full; a closed channel rejects the request;
// a request with more than max_subscribers is rejected; then each subscriber is refused when its ID
// is empty or matches a deny list, else decided by the allow list that applies (the channel's, else
// the global one), else by the channel's default (else the global one). Deny always wins.
package policy
