// Command scf runs subgate as a Tencent SCF event function (runtime Go1, handler main). It answers
// Function URL events, API Gateway events and webhook bodies pasted into the console's test box;
// pkg/scfevent tells them apart and translates them for the gate. main -version prints the version
// and exits.
package main

import (
	"fmt"
	"os"

	"github.com/tencentyun/scf-go-lib/cloudfunction"

	"github.com/subgate/subgate/internal/version"
	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/scfevent"
)

func main() {
	if version.Asked(os.Args[1:]) {
		fmt.Println(version.Line())
		return
	}
	// The configuration is read on the first invocation, not here: scf-go-lib sets the function's
	// environment variables from each invoke request, so they may not be set yet at start. A
	// configuration error is logged once and every invocation answers it (FAIL, 1) naming what to fix.
	handler := scfevent.NewHandler(func() *gate.Gate { return gate.FromEnv(os.Getenv, os.Stdout) })
	cloudfunction.StartHandler(handler)
}
