// Command scf is the scf-go-lib hello world subgate's SCF cold start is measured against.
package main

import (
	"context"
	"encoding/json"

	"github.com/tencentyun/scf-go-lib/cloudfunction"

	"github.com/subgate/subgate/bench/hello"
)

func main() {
	cloudfunction.Start(func(context.Context, json.RawMessage) (json.RawMessage, error) {
		return json.RawMessage(hello.Answer), nil
	})
}
