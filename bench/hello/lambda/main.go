// Command lambda is the aws-lambda-go hello world subgate's Lambda cold start is measured against.
// Build it as bootstrap with -tags lambda.norpc, as subgate's is.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/subgate/subgate/bench/hello"
)

func main() {
	lambda.Start(func(context.Context, json.RawMessage) (json.RawMessage, error) {
		return json.RawMessage(hello.Answer), nil
	})
}
