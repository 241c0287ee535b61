package lambdaevent

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRESTAPIRequest(t *testing.T) {
	t.Run("ConsoleTemplate", func(t *testing.T) {
		got, err := translate(t, fixture(t, "console-rest-api.json"))
		require.NoError(t, err)
		assert.Equal(t, "POST", got.Method)
		assert.Equal(t, url.Values{"foo": {"bar"}}, got.Query)
		assert.Equal(t, []byte(`{"test":"body"}`), got.Body)
		assert.Equal(t, []string{"127.0.0.1, 127.0.0.2"}, got.Header.Values("X-Forwarded-For"))
		// The multi-value headers are read; they differ from the single ones in Host.
		assert.Equal(t, []string{"0123456789.execute-api.us-east-1.amazonaws.com"}, got.Header.Values("Host"))
		assert.Len(t, got.Header, 18)
	})
	t.Run("SDKSample", func(t *testing.T) {
		got, err := translate(t, fixture(t, "sdk-rest-api.json"))
		require.NoError(t, err)
		assert.Equal(t, "POST", got.Method)
		assert.Equal(t, url.Values{"name": {"me"}}, got.Query)
		assert.Equal(t, []byte("{\r\n\t\"a\": 1\r\n}"), got.Body)
	})
	t.Run("RepeatedSdkAppidFromMultiValueQuery", func(t *testing.T) {
		got, err := translate(t, fixture(t, "rest-api-repeated-sdkappid.json"))
		require.NoError(t, err)
		assert.Equal(t, []string{"1400000002", "1400000001"}, got.Query["SdkAppid"])
	})
	t.Run("HeaderCaseAndBase64Body", func(t *testing.T) {
		got, err := translate(t, fixture(t, "rest-api-header-case.json"))
		require.NoError(t, err)
		assert.Equal(t, http.Header{
			"Content-Type":    {"application/json"},
			"X-Forwarded-For": {"203.0.113.7"},
			"X-Custom-Header": {"Mixed"},
		}, got.Header)
		assert.Equal(t, seedSample(t), got.Body)
		assert.Equal(t, "1400000001", got.Query.Get("SdkAppid"))
	})
}

func TestQueryOf(t *testing.T) {
	tests := []struct {
		name   string
		single map[string]string
		multi  map[string][]string
		want   url.Values
	}{
		{"MultiWins", map[string]string{"a": "2"}, map[string][]string{"a": {"1", "2"}}, url.Values{"a": {"1", "2"}}},
		{"SingleWhenNoMulti", map[string]string{"a": "1"}, nil, url.Values{"a": {"1"}}},
		{"SingleWhenMultiEmpty", map[string]string{"a": "1"}, map[string][]string{}, url.Values{"a": {"1"}}},
		{"Nothing", nil, nil, url.Values{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, queryOf(tt.single, tt.multi))
		})
	}
}
