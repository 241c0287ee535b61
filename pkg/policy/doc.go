// Package policy holds the app owner's subscription policy: who may subscribe to which Official
// Channel, and, when the policy has a groups key, who may join which group. It loads the policy
// file (YAML, so JSON too) and its list files, decides each request, says which rule decided, and
// checks a policy for its author. It knows no request format and no cloud. docs/policy.md is the
// reference for the policy's keys and list files.
//
// The rules, in order: a trusted operator is allowed in full; a closed channel rejects the request;
// a request with more than max_subscribers is rejected; then each subscriber is refused when its ID
// is empty or matches a deny list, else decided by the allow list that applies (the channel's, else
// the global one), else by the channel's default (else the global one). Deny always wins. An entry
// may carry an until, from which it no longer applies, and a reason. A group request is decided by
// the same rules in the same order, with the group's rules (groups."ID") for the channel's and
// max_members for max_subscribers; an application is an invitation of the applicant by no operator.
//
// Deciding: Policy.DecideAt (or Decide, as of now) returns a Decision: the answer's refused IDs or
// rejection, whether the channel is in shadow mode, and a Verdict for each subscriber naming the
// Rule that decided it. DecideGroupAt and DecideApplicationAt decide an invitation to a group and
// an application to join one; Policy.DecidesGroups says whether the policy decides groups at all. A Rule is a small value; its words ("deny_file lists/banned.txt line 17
// \"jared\"") are written only when asked for.
//
// Loading: Load and LoadFrom read a policy, from its prepared index (see Prepare and IndexSuffix)
// when there is one that matches it; Policy.Info says what was loaded (revision, index used or why
// not, entry counts). Parse and ParseFrom read policy text. Check reports on a policy for its author.
package policy
