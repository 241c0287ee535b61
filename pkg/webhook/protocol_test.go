package webhook

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseAddSubscriberSample(t *testing.T) {
	body, err := os.ReadFile("testdata/sample-request.json")
	require.NoError(t, err)
	req, err := ParseAddSubscriber(body)
	require.NoError(t, err)
	assert.Equal(t, &AddSubscriber{
		CallbackCommand: CommandBeforeAddSubscriber,
		Channel:         "@TOA#_test_for_penn",
		Operator:        "107867",
		Subscribers:     []string{"jared", "leckie"},
	}, req)
}

func TestParseAddSubscriber(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    *AddSubscriber
		wantErr string
	}{
		{name: "Minimal", body: `{"Official_Account":"@TOA#_a","SubscribeAccountList":[]}`,
			want: &AddSubscriber{Channel: "@TOA#_a", Subscribers: []string{}}},
		{name: "MissingAccountIsEmpty", body: `{"Official_Account":"@TOA#_a","SubscribeAccountList":[{},{"Subscriber_Account":"x"}]}`,
			want: &AddSubscriber{Channel: "@TOA#_a", Subscribers: []string{"", "x"}}},
		{name: "TrailingWhitespace", body: "{\"Official_Account\":\"@TOA#_a\",\"SubscribeAccountList\":[]}\r\n ",
			want: &AddSubscriber{Channel: "@TOA#_a", Subscribers: []string{}}},
		{name: "NestedWithinLimit", body: `{"Official_Account":"@TOA#_a","SubscribeAccountList":[],"X":` + strings.Repeat("[", 30) + `{"a":"\"}"}` + strings.Repeat("]", 30) + `}`,
			want: &AddSubscriber{Channel: "@TOA#_a", Subscribers: []string{}}},
		{name: "SameKeyInSiblingObjects", body: `{"Official_Account":"@TOA#_a","SubscribeAccountList":[{"Subscriber_Account":"a"},{"Subscriber_Account":"b"}]}`,
			want: &AddSubscriber{Channel: "@TOA#_a", Subscribers: []string{"a", "b"}}},
		{name: "UnknownFieldsIgnored", body: `{"Official_Account":"@TOA#_a","SubscribeAccountList":[{"Subscriber_Account":"x","Extra":1}],"New":true}`,
			want: &AddSubscriber{Channel: "@TOA#_a", Subscribers: []string{"x"}}},
		{name: "Empty", body: ``, wantErr: "body is empty"},
		{name: "NotJSON", body: `hello`, wantErr: "body is not valid JSON"},
		{name: "Array", body: `[]`, wantErr: "body is not a JSON object"},
		{name: "String", body: `"x"`, wantErr: "body is not a JSON object"},
		{name: "Null", body: `null`, wantErr: "Official_Account is missing"},
		{name: "MissingChannel", body: `{"SubscribeAccountList":[]}`, wantErr: "Official_Account is missing"},
		{name: "MissingList", body: `{"Official_Account":"@TOA#_a"}`, wantErr: "SubscribeAccountList is missing"},
		{name: "NullList", body: `{"Official_Account":"@TOA#_a","SubscribeAccountList":null}`, wantErr: "SubscribeAccountList is missing"},
		{name: "ListAsObject", body: `{"Official_Account":"@TOA#_a","SubscribeAccountList":{"Subscriber_Account":"x"}}`, wantErr: "SubscribeAccountList must be an array, not a JSON object"},
		{name: "ChannelAsNumber", body: `{"Official_Account":5,"SubscribeAccountList":[]}`, wantErr: "Official_Account must be a string, not a JSON number"},
		{name: "AccountAsNumber", body: `{"Official_Account":"@TOA#_a","SubscribeAccountList":[{"Subscriber_Account":42}]}`, wantErr: "SubscribeAccountList.Subscriber_Account must be a string, not a JSON number"},
		{name: "EntryAsString", body: `{"Official_Account":"@TOA#_a","SubscribeAccountList":["x"]}`, wantErr: "SubscribeAccountList must be an object, not a JSON string"},
		{name: "NullEntry", body: `{"Official_Account":"@TOA#_a","SubscribeAccountList":[null]}`, wantErr: "SubscribeAccountList[0] is null"},
		{name: "OperatorAsArray", body: `{"Official_Account":"@TOA#_a","Operator_Account":[],"SubscribeAccountList":[]}`, wantErr: "Operator_Account must be a string, not a JSON array"},
		{name: "EventTimeAsString", body: `{"Official_Account":"@TOA#_a","EventTime":"x","SubscribeAccountList":[]}`, wantErr: "EventTime must be a number, not a JSON string"},
		{name: "TrailingGarbage", body: `{"Official_Account":"@TOA#_a","SubscribeAccountList":[]}x`, wantErr: "more after its JSON object"},
		{name: "TwoObjects", body: `{"Official_Account":"@TOA#_a","SubscribeAccountList":[]}{}`, wantErr: "more after its JSON object"},
		{name: "TrailingBrace", body: `{"Official_Account":"@TOA#_a","SubscribeAccountList":[]}}`, wantErr: "more after its JSON object"},
		{name: "InvalidUTF8", body: "{\"Official_Account\":\"@TOA#_\xff\",\"SubscribeAccountList\":[]}", wantErr: "not valid UTF-8"},
		{name: "ByteOrderMark", body: "\xef\xbb\xbf{\"Official_Account\":\"@TOA#_a\",\"SubscribeAccountList\":[]}", wantErr: "body is not valid JSON"},
		{name: "DuplicateTopLevelKey", body: `{"Official_Account":"@TOA#_a","Official_Account":"@TOA#_b","SubscribeAccountList":[]}`, wantErr: "an object has the same key twice"},
		{name: "DuplicateKeyOtherCase", body: `{"Official_Account":"@TOA#_a","official_account":"@TOA#_b","SubscribeAccountList":[]}`, wantErr: "an object has the same key twice"},
		{name: "DuplicateKeyEscaped", body: `{"Official_Account":"@TOA#_a","SubscribeAccountList":[{"Subscriber_Account":"jared","Subscriber_\u0041ccount":"ok"}]}`, wantErr: "an object has the same key twice"},
		{name: "DuplicateSubscriberKey", body: `{"Official_Account":"@TOA#_a","SubscribeAccountList":[{"Subscriber_Account":"jared","Subscriber_Account":"ok"}]}`, wantErr: "an object has the same key twice"},
		{name: "DuplicateKeyInUnknownField", body: `{"Official_Account":"@TOA#_a","SubscribeAccountList":[],"X":{"k":1,"k":2}}`, wantErr: "an object has the same key twice"},
		{name: "DeeplyNested", body: `{"Official_Account":"@TOA#_a","SubscribeAccountList":[],"X":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, wantErr: "nested more than 32 deep"},
		{name: "Truncated", body: `{"Official_Account":"@TOA#_a","SubscribeAccountList":[`, wantErr: "body is not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAddSubscriber([]byte(tt.body))
			if tt.wantErr != "" {
				require.ErrorIs(t, err, ErrBadBody)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestAnswerEncode(t *testing.T) {
	tests := []struct {
		name   string
		answer Answer
		want   string
	}{
		{name: "AllowAll", answer: Proceed(nil), want: `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`},
		{name: "Refused", answer: Proceed([]string{"jared"}), want: `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["jared"]}`},
		{name: "Reject", answer: Reject("closed"), want: `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"closed"}`},
		{name: "Failure", answer: Failure("a <b> & c"), want: `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"a <b> & c"}`},
		{name: "NoHTMLEscaping", answer: Proceed([]string{"a&b", "<c>", "line\u2028sep", "bad \xff"}),
			want: `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["a&b","<c>","line\u2028sep","bad \ufffd"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, string(tt.answer.Encode()))
		})
	}
}

func TestParseAddSubscriberLargeList(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"Official_Account":"@TOA#_a","SubscribeAccountList":[`)
	for i := range 1000 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"Subscriber_Account":"user"}`)
	}
	b.WriteString(`]}`)
	req, err := ParseAddSubscriber([]byte(b.String()))
	require.NoError(t, err)
	assert.Len(t, req.Subscribers, 1000)
}
