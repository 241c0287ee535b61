package gate

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/pkg/webhook"
)

func TestWithAnswerTime(t *testing.T) {
	t.Run("NoDeadline", func(t *testing.T) {
		ctx, cancel := WithAnswerTime(context.Background())
		defer cancel()
		_, ok := ctx.Deadline()
		assert.False(t, ok)
	})
	t.Run("FarDeadlineKeepsTheFullReserve", func(t *testing.T) {
		deadline := time.Now().Add(time.Minute)
		parent, cancelParent := context.WithDeadline(context.Background(), deadline)
		defer cancelParent()
		ctx, cancel := WithAnswerTime(parent)
		defer cancel()
		got, ok := ctx.Deadline()
		require.True(t, ok)
		assert.Equal(t, deadline.Add(-AnswerReserve), got)
	})
	t.Run("NearDeadlineKeepsAQuarter", func(t *testing.T) {
		deadline := time.Now().Add(400 * time.Millisecond)
		parent, cancelParent := context.WithDeadline(context.Background(), deadline)
		defer cancelParent()
		ctx, cancel := WithAnswerTime(parent)
		defer cancel()
		got, ok := ctx.Deadline()
		require.True(t, ok)
		assert.True(t, got.Before(deadline))
		assert.False(t, got.Before(deadline.Add(-100*time.Millisecond)), "at most a quarter of the time left is kept")
	})
	t.Run("PassedDeadline", func(t *testing.T) {
		parent, cancelParent := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		defer cancelParent()
		ctx, cancel := WithAnswerTime(parent)
		defer cancel()
		assert.Error(t, ctx.Err())
	})
}

func TestDecodeBase64Body(t *testing.T) {
	encode := base64.StdEncoding.EncodeToString
	big := bytes.Repeat([]byte("0123456789abcdef"), (2<<20)/16)
	exact := big[:MaxBodyBytes]
	withBreak := encode(big)
	withBreak = withBreak[:40] + "\n" + withBreak[40:]
	tests := []struct {
		name    string
		body    string
		want    []byte
		wantErr bool
	}{
		{"Small", encode([]byte("hello")), []byte("hello"), false},
		{"ExactlyTheLimitIsDecodedWhole", encode(exact), exact, false},
		{"OverTheLimitIsCutOneBytePast", encode(big), big[:MaxBodyBytes+1], false},
		{"GarbageAfterTheCutIsNotRead", encode(big) + "!!!!", big[:MaxBodyBytes+1], false},
		{"LineBreakInTheHeadDecodesWhole", withBreak, big, false},
		{"InvalidSmall", "!!!!", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeBase64Body(tt.body)
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, len(tt.want), len(got))
			assert.True(t, bytes.Equal(tt.want, got))
		})
	}
}

func TestCheckEnvelope(t *testing.T) {
	manyKeys := url.Values{}
	for i := range MaxParams + 1 {
		manyKeys.Set(fmt.Sprint("k", i), "")
	}
	manyHeaders := http.Header{}
	for i := range MaxParams + 1 {
		manyHeaders.Add("X-Many", fmt.Sprint(i))
	}
	tests := []struct {
		name string
		req  Request
		want string
	}{
		{name: "Chat", req: Request{Query: url.Values{"SdkAppid": {"1"}, "CallbackCommand": {"x"}}, Header: http.Header{"Content-Type": {"application/json"}}}},
		{name: "AtTheLimit", req: Request{Query: url.Values{"many": make([]string, MaxParams)}}},
		{name: "TooManyParameters", req: Request{Query: manyKeys}, want: "the query string has more than 1000 parameters"},
		{name: "RepeatedKeyValuesCount", req: Request{Query: url.Values{"many": make([]string, MaxParams+1)}}, want: "the query string has more than 1000 parameters"},
		// url.ParseQuery leaves a query of over 10,000 parameters empty: the raw string still counts.
		{name: "RawQueryCounts", req: Request{Query: url.Values{}, RawQuery: strings.Repeat("a=1&", 10_001)}, want: "the query string has more than 1000 parameters"},
		{name: "TooManyHeaderValues", req: Request{Header: manyHeaders}, want: "the headers have more than 1000 values"},
		{name: "HugeHeader", req: Request{Header: http.Header{"X-Big": {strings.Repeat("a", MaxEnvelopeBytes)}}}, want: "the query string and headers are over 64 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckEnvelope(tt.req)
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.EqualError(t, err, tt.want)
		})
	}
}

// The HTTP entry applies the same limits: a query the server lets through but Chat never sends.
func TestServeHTTPEnvelopeLimit(t *testing.T) {
	var logs bytes.Buffer
	target := "/?" + query(webhook.CommandBeforeAddSubscriber).Encode() + strings.Repeat("&a=1", 10_001)
	req := httptest.NewRequest("POST", target, bytes.NewReader(sample(t)))
	rec := httptest.NewRecorder()
	newGate(t, false, &logs).ServeHTTP(rec, req)
	assert.Equal(t, 400, rec.Code)
	assert.Equal(t, `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"the query string has more than 1000 parameters"}`, rec.Body.String())
	assert.Contains(t, logs.String(), `"reason":"the query string has more than 1000 parameters"`)
}
