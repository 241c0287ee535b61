package jsonstr

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var samples = []string{"", "plain", `"quoted" \back\slash/`, "<a>&amp;", "tab\there\nnew\rline\b\f", "\x00\x01\x1f\x7f",
	"é界🙂", "\u2028\u2029", "bad \xff\xfe utf-8 \xe4\xb8", "\ufffd"}

func TestAppendAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range samples {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		require.NoError(t, enc.Encode(s))
		assert.Equal(t, strings.TrimSuffix(buf.String(), "\n"), string(Append(nil, s)), "%q", s)
	}
}

func TestAppendSlogAgreesWithSlog(t *testing.T) {
	for _, s := range samples {
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{
			ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey || a.Key == slog.LevelKey {
					return slog.Attr{}
				}
				return a
			},
		})).Info(s)
		want := strings.TrimSuffix(strings.TrimPrefix(buf.String(), `{"msg":`), "}\n")
		assert.Equal(t, want, string(AppendSlog(nil, s)), "%q", s)
	}
}
