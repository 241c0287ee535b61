// Command lambda runs subgate on AWS Lambda (runtime provided.al2023; build it as bootstrap with
// -tags lambda.norpc). It answers API Gateway (HTTP and REST APIs), Function URL and ALB events,
// and a webhook body pasted into the Lambda console; package lambdaevent tells them apart.
//
// The configuration and the policy are read once, at init. When they are wrong the error is
// logged naming the variable or file, and every invocation answers a FAIL naming it, instead of
// the function crash-looping. bootstrap -version prints the version and exits.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/subgate/subgate/internal/version"
	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/lambdaevent"
	"github.com/subgate/subgate/pkg/metrics/emf"
)

func main() {
	if version.Asked(os.Args[1:]) {
		fmt.Println(version.Line())
		return
	}
	// Metrics ride the log lines as CloudWatch's Embedded Metric Format (SUBGATE_METRICS=false: off).
	lambda.Start(lambdaevent.Handler{Gate: gate.FromEnv(os.Getenv, os.Stdout, gate.WithMetrics(emf.ForConfig))})
}
