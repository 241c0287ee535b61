package main

import (
	"flag"
	"fmt"
	"strconv"

	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/webhook"
)

var signVerb = &verb{
	name:     "sign",
	synopsis: "[-time UNIX]",
	summary:  "print a signed query (RequestTime=...&Sign=...) for the token in SUBGATE_TOKEN",
	about: `
Sign prints the two query parameters Chat adds to a webhook's URL when a token is set, for the webhook
token in SUBGATE_TOKEN (the variable the functions read), signed now or at -time:

  RequestTime=1669872112&Sign=17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061

Sign is the lowercase hex SHA-256 of the token followed by RequestTime. Append the line to a request's
query string to send a signed request by hand (docs/local.md); a function accepts it within
SUBGATE_MAX_SKEW (60s) of RequestTime. The token is read from the environment only, never from the
command line, which shells keep in their history.`,
	exit: "0 printed; 2 SUBGATE_TOKEN is not set, or bad usage.",
	examples: []string{
		"curl -X POST \"http://127.0.0.1:8080/?SdkAppid=1400000001&CallbackCommand=OfficialAccount.CallbackBeforeAddSubscriber&$(subgate sign)\" --data @deploy/sample-request.json",
		"subgate sign -time 1669872112",
	},
	flags: func(fs *flag.FlagSet, o *options) {
		fs.Int64Var(&o.time, "time", 0, "sign as of this RequestTime, in `UNIX` seconds, not now")
	},
	run: runSign,
}

func runSign(c *cli, o *options, args []string) int {
	if len(args) != 0 {
		return c.usageError("takes no arguments: the token is read from SUBGATE_TOKEN, never from the command line")
	}
	token := c.getenv(config.EnvToken)
	if token == "" {
		return c.usageError(config.EnvToken + " is not set: export the webhook token (the one set in the Chat console) as the functions have it")
	}
	if o.time < 0 {
		return c.usageError("-time is Unix seconds, 0 or more")
	}
	at := o.time
	if at == 0 {
		at = c.now().Unix()
	}
	requestTime := strconv.FormatInt(at, 10)
	fmt.Fprintf(c.stdout, "%s=%s&%s=%s\n", webhook.ParamRequestTime, requestTime, webhook.ParamSign, webhook.Sign(token, requestTime))
	return exitOK
}
