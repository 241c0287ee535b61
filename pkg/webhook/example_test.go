package webhook_test

import (
	"fmt"
	"net/url"
	"time"

	"github.com/subgate/subgate/pkg/webhook"
)

// Sign computes the signature Chat sends with a webhook token configured.
func ExampleSign() {
	fmt.Println(webhook.Sign("xxxxyyyy", "1669872112"))
	// Output: 17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061
}

// A Verifier checks Sign and RequestTime from the request's query string.
func ExampleVerifier_Verify() {
	v := webhook.Verifier{Token: "xxxxyyyy", Now: func() time.Time { return time.Unix(1669872130, 0) }}
	query := url.Values{"Sign": {webhook.Sign("xxxxyyyy", "1669872112")}, "RequestTime": {"1669872112"}}
	fmt.Println(v.Verify(query))
	query.Set("RequestTime", "1669872000")
	fmt.Println(v.Verify(query))
	// Output:
	// <nil>
	// request is not authenticated: RequestTime is outside the allowed clock skew
}
