package localrun

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Output collects what a process writes, line by line. It is an io.Writer, safe for concurrent
// use; Close marks the end (the process exited), after which waiting for a line fails at once.
type Output struct {
	mu      sync.Mutex
	lines   []string
	partial []byte
	closed  bool
	changed chan struct{} // closed, and replaced, whenever a line is added or the output ends
}

// Write adds the complete lines in p; the rest waits for its newline (or for Close).
func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.partial = append(o.partial, p...)
	added := false
	for {
		i := bytes.IndexByte(o.partial, '\n')
		if i < 0 {
			break
		}
		o.lines = append(o.lines, strings.TrimSuffix(string(o.partial[:i]), "\r"))
		o.partial = o.partial[i+1:]
		added = true
	}
	if added {
		o.signal()
	}
	return len(p), nil
}

// Close ends the output: a last line without a newline is kept, and waiters stop waiting.
func (o *Output) Close() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.partial) > 0 {
		o.lines = append(o.lines, string(o.partial))
		o.partial = nil
	}
	o.closed = true
	o.signal()
}

// signal wakes the waiters; o.mu is held.
func (o *Output) signal() {
	if o.changed != nil {
		close(o.changed)
		o.changed = nil
	}
}

// Lines are the complete lines so far.
func (o *Output) Lines() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.lines...)
}

// String is everything so far, for a failure message.
func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := strings.Join(o.lines, "\n")
	if len(o.partial) > 0 {
		s += "\n" + string(o.partial)
	}
	return s
}

// WaitFor returns the first line that contains substr, waiting for it up to timeout. It fails
// when the timeout passes or the output ends without such a line.
func (o *Output) WaitFor(substr string, timeout time.Duration) (string, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	seen := 0
	for {
		o.mu.Lock()
		for ; seen < len(o.lines); seen++ {
			if strings.Contains(o.lines[seen], substr) {
				line := o.lines[seen]
				o.mu.Unlock()
				return line, nil
			}
		}
		if o.closed {
			o.mu.Unlock()
			return "", fmt.Errorf("the output ended (the process exited) without a line holding %s", substr)
		}
		if o.changed == nil {
			o.changed = make(chan struct{})
		}
		changed := o.changed
		o.mu.Unlock()
		select {
		case <-changed:
		case <-deadline.C:
			return "", fmt.Errorf("no line holding %s within %s", substr, timeout)
		}
	}
}

// LogLine waits up to timeout for subgate's JSON log line of requestID and returns it decoded.
func (o *Output) LogLine(requestID string, timeout time.Duration) (map[string]any, error) {
	line, err := o.WaitFor(fmt.Sprintf(`"request_id":%q`, requestID), timeout)
	if err != nil {
		return nil, err
	}
	var entry map[string]any
	if err := json.Unmarshal([]byte(line), &entry); err != nil {
		return nil, fmt.Errorf("the log line of %s is not JSON: %w: %s", requestID, err, line)
	}
	return entry, nil
}
