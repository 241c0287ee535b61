package localrun

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOutputSplitsLines(t *testing.T) {
	o := &Output{}
	_, _ = io.WriteString(o, "one\ntw")
	_, _ = io.WriteString(o, "o\r\nthr")
	assert.Equal(t, []string{"one", "two"}, o.Lines())
	assert.Equal(t, "one\ntwo\nthr", o.String())
	o.Close()
	assert.Equal(t, []string{"one", "two", "thr"}, o.Lines(), "Close keeps a last line without a newline")
}

func TestWaitForALineWrittenLater(t *testing.T) {
	o := &Output{}
	_, _ = io.WriteString(o, "first\n")
	written := make(chan struct{})
	go func() {
		defer close(written)
		for i := range 50 {
			_, _ = fmt.Fprintf(o, `{"request_id":"r%d"}`+"\n", i)
		}
	}()
	line, err := o.WaitFor(`"request_id":"r49"`, 30*time.Second)
	require.NoError(t, err)
	assert.Equal(t, `{"request_id":"r49"}`, line)
	<-written

	entry, err := o.LogLine("r7", time.Second)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"request_id": "r7"}, entry)
}

func TestWaitForGivesUp(t *testing.T) {
	o := &Output{}
	_, _ = io.WriteString(o, "something else\n")
	start := time.Now()
	_, err := o.WaitFor("missing", 50*time.Millisecond)
	assert.EqualError(t, err, "no line holding missing within 50ms")
	assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)

	ended := make(chan error)
	go func() {
		_, err := o.WaitFor("missing", time.Hour)
		ended <- err
	}()
	o.Close()
	assert.EqualError(t, <-ended, "the output ended (the process exited) without a line holding missing")
}

func TestLogLineThatIsNotJSON(t *testing.T) {
	o := &Output{}
	_, _ = io.WriteString(o, `"request_id":"r1" but not JSON`+"\n")
	_, err := o.LogLine("r1", time.Second)
	assert.ErrorContains(t, err, "the log line of r1 is not JSON")
}
