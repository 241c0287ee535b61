package webhook

import (
	"math/rand/v2"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/pkg/internal/mutate"
)

var commonBodies = []string{
	`{"CallbackCommand":"OfficialAccount.CallbackBeforeAddSubscriber","Official_Account":"@TOA#_test_for_penn","Operator_Account":"107867","SubscribeAccountList":[{"Subscriber_Account":"jared"},{"Subscriber_Account":"leckie"}],"EventTime":1670574414123}`,
	"{\n  \"CallbackCommand\": \"OfficialAccount.CallbackBeforeAddSubscriber\",\n  \"Official_Account\": \"@TOA#_a\",\n  \"SubscribeAccountList\": [\n    {\"Subscriber_Account\": \"é界\"},\n    {}\n  ],\n  \"EventTime\": -1.5e+3\n}\n",
	`{"Official_Account":"","SubscribeAccountList":[]}`,
	`{"SubscribeAccountList":[{"Subscriber_Account":""}],"Official_Account":"@TOA#_x","EventTime":0}`,
	`{"Official_Account":"@TOA#_a\"b\/c","SubscribeAccountList":[{"Subscriber_Account":"tab\there"}]}`,
}

// assertSameAsGeneral checks that a body parseCommon accepts reads the same the general way.
func assertSameAsGeneral(t *testing.T, body []byte) bool {
	t.Helper()
	fast, ok := parseCommon(body)
	if !ok {
		return false
	}
	require.True(t, utf8.Valid(body))
	general, err := parseAddSubscriber(body)
	require.NoError(t, err, "parseCommon accepted %q", body)
	require.Equal(t, general, fast, "%q", body)
	return true
}

func TestParseCommonReadsAsTheGeneralWay(t *testing.T) {
	for _, body := range commonBodies {
		assert.True(t, assertSameAsGeneral(t, []byte(body)), "the common shape is read the fast way: %s", body)
	}
	for _, body := range []string{
		`{"official_account":"@TOA#_a","SubscribeAccountList":[]}`,                              // another case
		`{"Official_Account":"@TOA#_a","SubscribeAccountList":[],"Official_Account":"@TOA#_b"}`, // twice
		`{"Official_Account":"@TOA#_\u0061","SubscribeAccountList":[]}`,                         // an escape
		`{"Official_Account":"@TOA#_a","SubscribeAccountList":[null]}`,
		`{"Official_Account":null,"SubscribeAccountList":[]}`,
		`{"Official_Account":"@TOA#_a","SubscribeAccountList":[],"EventTime":1e400}`,
		`{"Official_Account":"@TOA#_a","SubscribeAccountList":[],"EventTime":01}`,
		`{"Official_Account":"@TOA#_a","SubscribeAccountList":[],"Other":1}`,
		`{"Official_Account":"@TOA#_a","SubscribeAccountList":[{"Subscriber_Account":"a","X":1}]}`,
		`{"Official_Account":"@TOA#_a","SubscribeAccountList":[]} {}`,
		`{"SubscribeAccountList":[]}`,
		"\xef\xbb\xbf{\"Official_Account\":\"a\",\"SubscribeAccountList\":[]}",
	} {
		_, ok := parseCommon([]byte(body))
		assert.False(t, ok, "left to the general way: %s", body)
	}

	// Random edits of the common bodies: whatever parseCommon accepts, the general way reads the same.
	r := rand.New(rand.NewPCG(7, 11))
	pieces := []string{"{", "}", "[", "]", ",", ":", `"`, " ", "\n", "\\", "0", "1", "-", ".", "e", "+", "a", "é", "\x01", "null",
		"true", `"Official_Account"`, `"SubscribeAccountList"`, `"Subscriber_Account"`, `"EventTime"`, `"CallbackCommand"`, `{}`, `""`}
	accepted := 0
	for range 30_000 {
		body := mutate.Edit(r, []byte(commonBodies[r.IntN(len(commonBodies))]), pieces)
		if utf8.Valid(body) && assertSameAsGeneral(t, body) {
			accepted++
		}
	}
	assert.Greater(t, accepted, 1000, "enough edited bodies take the fast way for the comparison to mean something")
}

func FuzzParseCommon(f *testing.F) {
	for _, body := range commonBodies {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if utf8.Valid(body) {
			assertSameAsGeneral(t, body)
		}
	})
}
