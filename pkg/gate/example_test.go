package gate_test

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"

	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/policy"
)

// The seed page's sample request, decided by a policy that denies jared: the page's "block certain
// users" answer. Without a policy, the same request gets its "allow all" answer.
func ExampleGate_Serve() {
	body, _ := os.ReadFile("testdata/sample-request.json")
	query, _ := url.ParseQuery("SdkAppid=1400000001&CallbackCommand=OfficialAccount.CallbackBeforeAddSubscriber&contenttype=json&ClientIP=127.0.0.1&OptPlatform=RESTAPI")
	req := gate.Request{Method: "POST", Query: query, Body: body}
	cfg := config.Config{SdkAppID: "1400000001"}
	quiet := gate.NewLogger(io.Discard, 0)

	denyJared, _ := policy.Parse([]byte(`deny: ["jared"]`), "example", ".")
	resp := gate.New(cfg, denyJared, quiet).Serve(context.Background(), req)
	fmt.Println(resp.StatusCode, string(resp.Body))

	resp = gate.New(cfg, policy.AllowAll(), quiet).Serve(context.Background(), req)
	fmt.Println(resp.StatusCode, string(resp.Body))
	// Output:
	// 200 {"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["jared"]}
	// 200 {"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}
}
