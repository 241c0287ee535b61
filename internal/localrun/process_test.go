//go:build unix

package localrun

import (
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const patience = 30 * time.Second

func TestStopEndsAProcessThatHandlesSIGTERM(t *testing.T) {
	p, err := Start(exec.Command("sh", "-c", `trap 'echo stopping; exit 0' TERM; echo ready; while :; do sleep 0.05; done`))
	require.NoError(t, err)
	_, err = p.Output.WaitFor("ready", patience)
	require.NoError(t, err)
	require.NoError(t, p.Stop(patience))
	assert.Equal(t, []string{"ready", "stopping"}, p.Output.Lines())
}

func TestStopKillsAProcessThatIgnoresSIGTERM(t *testing.T) {
	// The child shell ignores SIGTERM too: the kill reaches the whole process group.
	p, err := Start(exec.Command("sh", "-c", `trap '' TERM; sh -c 'trap "" TERM; echo child; sleep 600' & echo ready; wait`))
	require.NoError(t, err)
	_, err = p.Output.WaitFor("child", patience)
	require.NoError(t, err)
	assert.ErrorIs(t, p.Stop(50*time.Millisecond), ErrKilled)
	select {
	case <-p.Exited():
	default:
		t.Fatal("Stop returned before the process exited")
	}
}

func TestWaitListening(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	p, err := Start(exec.Command("sleep", "600"))
	require.NoError(t, err)
	defer p.Kill()
	require.NoError(t, p.WaitListening(ln.Addr().String(), patience))

	gone, err := Start(exec.Command("true"))
	require.NoError(t, err)
	addr, err := FreeAddr()
	require.NoError(t, err)
	assert.ErrorContains(t, gone.WaitListening(addr, patience), "the process exited (exit status 0) before listening on "+addr)
}

func TestWaitListeningEvery(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	p, err := Start(exec.Command("sleep", "600"))
	require.NoError(t, err)
	defer p.Kill()
	require.NoError(t, p.WaitListeningEvery(ln.Addr().String(), patience, 100*time.Microsecond))
	addr, err := FreeAddr()
	require.NoError(t, err)
	assert.ErrorContains(t, p.WaitListeningEvery(addr, time.Millisecond, 100*time.Microsecond), "nothing listens on "+addr+" after 1ms")
}

func TestChild(t *testing.T) {
	p, err := Start(exec.Command("sh", "-c", `sleep 600 & echo "child $!"; wait`))
	require.NoError(t, err)
	defer p.Kill()
	line, err := p.Output.WaitFor("child ", patience)
	require.NoError(t, err)
	pid, err := p.Child()
	require.NoError(t, err)
	assert.Equal(t, line, fmt.Sprintf("child %d", pid))

	alone, err := Start(exec.Command("sleep", "600"))
	require.NoError(t, err)
	defer alone.Kill()
	_, err = alone.Child()
	assert.ErrorContains(t, err, "has no child process")
}

func TestFreeAddrIsBelowTheEphemeralPorts(t *testing.T) {
	low := ephemeralLow()
	for range 20 {
		addr, err := FreeAddr()
		require.NoError(t, err)
		_, port, err := net.SplitHostPort(addr)
		require.NoError(t, err)
		n, err := strconv.Atoi(port)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, n, firstPort)
		assert.Less(t, n, low, "no outgoing connection is given this port")
		ln, err := net.Listen("tcp", addr)
		require.NoError(t, err, "it is free")
		require.NoError(t, ln.Close())
	}
}

// Two addresses asked for one after the other are never the same port, though each was free when
// it was given: the emulator takes two, and binds one of them only at its first invocation.
func TestFreeAddrNeverGivesAPortTwice(t *testing.T) {
	seen := map[string]bool{}
	for range 500 {
		addr, err := FreeAddr()
		require.NoError(t, err)
		require.False(t, seen[addr], "%s given twice", addr)
		seen[addr] = true
	}
}
