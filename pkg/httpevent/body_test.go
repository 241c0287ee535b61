package httpevent

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/pkg/gate"
)

func TestDecodeBody(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		isBase64 bool
		want     string
		wantErr  string
	}{
		{name: "Plain", body: "eyJhIjoxfQ==", want: "eyJhIjoxfQ=="},
		{name: "Padded", body: "eyJhIjoxfQ==", isBase64: true, want: `{"a":1}`},
		{name: "Unpadded", body: "eyJhIjoxfQ", isBase64: true, want: `{"a":1}`},
		{name: "LineBreaks", body: "eyJh\r\nIjoxfQ==\n", isBase64: true, want: `{"a":1}`},
		{name: "Empty", body: "", isBase64: true, want: ""},
		{name: "NotBase64", body: "{not base64}", isBase64: true,
			wantErr: "body is marked base64-encoded (isBase64Encoded) but is not valid base64: illegal base64 data at input byte 0"},
		{name: "URLAlphabet", body: "-_-_", isBase64: true,
			wantErr: "body is marked base64-encoded (isBase64Encoded) but is not valid base64: illegal base64 data at input byte 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeBody(tt.body, tt.isBase64)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
		})
	}
}

func TestDecodeBodyOverTheLimitIsCut(t *testing.T) {
	for _, body := range []string{
		base64.StdEncoding.EncodeToString(make([]byte, 2<<20)),
		base64.StdEncoding.EncodeToString(make([]byte, 2<<20)) + "!!",                    // garbage after the head
		strings.TrimRight(base64.StdEncoding.EncodeToString(make([]byte, 2<<20+1)), "="), // unpadded
	} {
		got, err := DecodeBody(body, true)
		require.NoError(t, err)
		assert.Len(t, got, gate.MaxBodyBytes+1, "decoded only as far as the gate needs to answer 413")
	}
}
