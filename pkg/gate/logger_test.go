package gate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/pkg/policy"
	"github.com/subgate/subgate/pkg/webhook"
)

// The request line as logOutcome writes it, field for field, as docs/logs.md shows it.
func TestNewLoggerRequestLine(t *testing.T) {
	var out bytes.Buffer
	g := &Gate{log: NewLogger(&out, slog.LevelInfo)}
	g.logOutcome(t.Context(), "c6af9ac6", outcome{
		command: "OfficialAccount.CallbackBeforeAddSubscriber", sdkAppID: "1400000001", channel: "@TOA#_test_for_penn",
		operator: "107867", users: 2, status: 200, answer: webhook.Proceed([]string{"jared"}), decision: &policy.Decision{Refused: []string{"jared"}},
	}, 120*time.Microsecond)
	line := out.String()
	require.True(t, strings.HasPrefix(line, `{"time":"`), line)
	_, rest, ok := strings.Cut(line, `","level":`)
	require.True(t, ok, line)
	assert.Equal(t, `"INFO","msg":"decided","request_id":"c6af9ac6","command":"OfficialAccount.CallbackBeforeAddSubscriber",`+
		`"sdkappid":"1400000001","official_account":"@TOA#_test_for_penn","operator_account":"107867","subscribers":2,"refused":1,`+
		`"error_code":0,"status":200,"outcome":"refused","duration_ms":0.12}`+"\n", rest)
}

func TestNewLoggerLevelAndWholeLines(t *testing.T) {
	var out bytes.Buffer
	logger := NewLogger(&out, slog.LevelWarn)
	logger.Info("dropped")
	assert.Empty(t, out.String())

	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				logger.Warn("line", "g", g, "i", i, "ms", 0.5)
				logger.With("fixed", "x").Error("derived", "i", i)
			}
		})
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	assert.Len(t, lines, 8*50*2)
	for _, line := range lines {
		var v map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &v), "a whole JSON line: %s", line)
	}
	assert.Contains(t, out.String(), fmt.Sprintf(`"msg":"line","g":%d,"i":%d,"ms":0.5}`, 7, 49))
}

// A group request's line, field for field, as docs/logs.md shows it.
func TestNewLoggerGroupLine(t *testing.T) {
	var out bytes.Buffer
	g := &Gate{log: NewLogger(&out, slog.LevelInfo)}
	g.logOutcome(t.Context(), "f3b1c2d4", outcome{
		command: webhook.CommandBeforeApplyJoinGroup, sdkAppID: "1400000001", group: true, groupID: "@TGS#2J4SZEAEL", groupType: "Public",
		requestor: "jared", users: 1, status: 200, answer: webhook.Reject(applicationRefused), reason: applicationRefused, revision: "c0f63176ca89",
		decision: &policy.Decision{Refused: []string{"jared"}},
	}, 41*time.Microsecond)
	_, rest, ok := strings.Cut(out.String(), `","level":`)
	require.True(t, ok, out.String())
	assert.Equal(t, `"INFO","msg":"decided","request_id":"f3b1c2d4","command":"Group.CallbackBeforeApplyJoinGroup","sdkappid":"1400000001",`+
		`"group_id":"@TGS#2J4SZEAEL","group_type":"Public","requestor_account":"jared","members":1,"refused":0,"error_code":1,"status":200,`+
		`"outcome":"rejected","duration_ms":0.041,"reason":"the request to join this group is refused","policy":"c0f63176ca89"}`+"\n", rest)
}
