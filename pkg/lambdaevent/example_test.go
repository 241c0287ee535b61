package lambdaevent_test

import (
	"context"
	"fmt"
	"io"

	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/lambdaevent"
)

// A webhook body pasted into the Lambda console's test box is answered with the bare webhook
// answer; an HTTP event gets the answer in its own response shape.
func ExampleHandler_Invoke() {
	env := map[string]string{"SUBGATE_SDKAPPID": "1400000001", "SUBGATE_POLICY": `deny: ["jared"]`}
	h := lambdaevent.Handler{Gate: gate.FromEnv(func(k string) string { return env[k] }, io.Discard)}

	body := `{"CallbackCommand":"OfficialAccount.CallbackBeforeAddSubscriber","Official_Account":"@TOA#_news",` +
		`"Operator_Account":"107867","SubscribeAccountList":[{"Subscriber_Account":"jared"},{"Subscriber_Account":"leckie"}]}`
	answer, _ := h.Invoke(context.Background(), []byte(body))
	fmt.Println(string(answer))

	event := `{"version":"2.0","rawQueryString":"SdkAppid=1400000002","requestContext":{"http":{"method":"POST"}},"body":"{}"}`
	answer, _ = h.Invoke(context.Background(), []byte(event))
	fmt.Println(string(answer))
	// Output:
	// {"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["jared"]}
	// {"statusCode":403,"headers":{"Content-Type":"application/json; charset=utf-8"},"body":"{\"ActionStatus\":\"FAIL\",\"ErrorCode\":1,\"ErrorInfo\":\"SdkAppid 1400000002 does not match this deployment\"}","isBase64Encoded":false}
}
