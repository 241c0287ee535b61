package main

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/subgate/subgate/pkg/webhook"
)

func TestSign(t *testing.T) {
	// Tencent's documented example: token xxxxyyyy, RequestTime 1669872112.
	r := subgate(t, map[string]string{"SUBGATE_TOKEN": "xxxxyyyy"}, "sign", "-time", "1669872112")
	assert.Equal(t, result{stdout: "RequestTime=1669872112&Sign=17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061\n"}, r)

	// Now, by default, and verified as the functions verify it.
	r = subgate(t, map[string]string{"SUBGATE_TOKEN": "my-webhook-token"}, "sign")
	now := strconv.FormatInt(testNow.Unix(), 10)
	assert.Equal(t, result{stdout: "RequestTime=" + now + "&Sign=" + webhook.Sign("my-webhook-token", now) + "\n"}, r)
	query, err := url.ParseQuery(strings.TrimSpace(r.stdout))
	assert.NoError(t, err)
	v := webhook.Verifier{Token: "my-webhook-token", Now: func() time.Time { return testNow }}
	assert.NoError(t, v.Verify(query))
}

func TestSignNeedsTheTokenInTheEnvironment(t *testing.T) {
	for _, env := range []map[string]string{nil, {"SUBGATE_TOKEN": ""}} {
		r := subgate(t, env, "sign")
		assert.Equal(t, exitUsage, r.exit)
		assert.Empty(t, r.stdout)
		assert.Contains(t, r.stderr, "subgate sign: SUBGATE_TOKEN is not set")
	}
}
