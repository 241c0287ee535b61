package testkit

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/subgate/subgate/pkg/webhook"
)

// The secrets of the tests that no error, log line or answer carries one: the deployment's webhook
// token, and a token-like value a client puts into a query string (an API key of the app's, say).
const (
	SecretToken   = "tok-3f9c2a-never-logged"
	TokenLikeInQS = "sk_live_9Qx7-never-logged"
)

// RelayedCommand is a command subgate does not decide: with a forward URL it is relayed, its query
// string with it.
const RelayedCommand = "Group.CallbackAfterSendMsg"

// HostileQuery is a query string signed with SecretToken that a URL parser refuses somewhere.
type HostileQuery struct {
	Name string
	Raw  string
	Sign string
}

// HostileQueries are raw query strings of a request for command by app AppID, signed with
// SecretToken at now and holding TokenLikeInQS, each with something a URL parser refuses or
// reads otherwise: a bad % escape, an escape cut short, a control character, DEL, a line break, a
// space, a # (which would start a fragment).
func HostileQueries(command string, now time.Time) []HostileQuery {
	requestTime := strconv.FormatInt(now.Unix(), 10)
	sign := webhook.Sign(SecretToken, requestTime)
	base := "SdkAppid=" + AppID + "&CallbackCommand=" + command + "&RequestTime=" + requestTime + "&Sign=" + sign
	var qs []HostileQuery
	for _, q := range []struct{ name, extra string }{
		{"BadEscape", "&api_key=" + TokenLikeInQS + "&x=%zz"},
		{"EscapeCutShort", "&api_key=" + TokenLikeInQS + "%"},
		{"ControlCharacter", "&api_key=" + TokenLikeInQS + "\x01"},
		{"DEL", "&api_key=\x7f" + TokenLikeInQS},
		{"LineBreak", "&api_key=" + TokenLikeInQS + "\r\nX-Injected: 1"},
		{"Space", "&api_key=" + TokenLikeInQS + " HTTP/1.1"},
		{"Fragment", "&api_key=" + TokenLikeInQS + "#frag"},
	} {
		qs = append(qs, HostileQuery{Name: q.name, Raw: base + q.extra, Sign: sign})
	}
	return qs
}

// Values is the query as url.ParseQuery reads it (the pairs it cannot decode left out), as an
// entrypoint gives it to the gate.
func (q HostileQuery) Values() url.Values {
	values, _ := url.ParseQuery(q.Raw)
	return values
}

// NoSecret fails t when text (a log, an answer: what) holds the token, the Sign, the token-like
// value or the raw query. The failure shows text with each secret masked.
func NoSecret(t testing.TB, what, text string, q HostileQuery) {
	t.Helper()
	secrets := map[string]string{"the token": SecretToken, "the token-like value": TokenLikeInQS,
		"the Sign": q.Sign, "the raw query": q.Raw}
	masked, found := text, []string{}
	for name, secret := range secrets {
		if strings.Contains(text, secret) {
			found = append(found, name)
			masked = strings.ReplaceAll(masked, secret, "<"+name+">")
		}
	}
	if len(found) > 0 {
		t.Errorf("%s holds %s:\n%s", what, strings.Join(found, ", "), masked)
	}
}
