// Command subgate is the tool for the people who write and ship subgate's policies. It checks a
// policy (check), answers a request as the function would and says which rule decided each
// subscriber (eval), runs a policy's test cases (test), writes the bundle a function fetches from
// a store (bundle), prints a signed query for sending a request by hand (sign), and prints its
// version (version).
//
//	subgate check deploy/policy.example.yaml
//	subgate test deploy/policy.example.yaml deploy/policy_test.yaml
//	subgate eval deploy/policy.example.yaml @TOA#_test_for_penn jared leckie
//	subgate bundle deploy/policy.example.yaml -o policy.bundle
//
// Each command has its own help (subgate help COMMAND, or -h), machine output behind -json where it
// has a report to give, and exit statuses CI can branch on: 0 for success, 1 for a policy that is
// invalid or fails (each command says which), 2 for bad usage. It decides through the same code
// the functions run (pkg/policy, pkg/gate, pkg/bundle), so it cannot disagree with them.
// docs/policy-tools.md is its guide.
package main
