package gate

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/subgate/subgate/pkg/config"
)

// SUBGATE_LOG_IDS=false leaves out the operator's ID too: Operator_Account is a user's ID (the user
// who asked to subscribe, or the app's admin account).
func TestDecisionLogWithoutIDsLeavesTheOperatorOut(t *testing.T) {
	var logs bytes.Buffer
	g := decisionGate(t, banPolicy, config.Config{OmitLogIDs: true}, slog.LevelDebug, beforeUntil, &logs)
	_, line := decide(t, g, &logs, "jared", "fine_user")
	assert.NotContains(t, line, "operator_account")
	assert.NotContains(t, logs.String(), "107867", "the operator of body()")
	assert.Equal(t, "@TOA#_news", line["official_account"], "a channel is not a user")

	g = decisionGate(t, banPolicy, config.Config{}, slog.LevelDebug, beforeUntil, &logs)
	_, line = decide(t, g, &logs, "jared")
	assert.Equal(t, "107867", line["operator_account"], "logged when IDs may be")
}
