//go:build unix

package bundle

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadRefusesBundlesOverTheLimit gives Read 256 MiB and one byte without allocating them: a
// sparse file mapped read-only, whose pages exist only if read.
func TestReadRefusesBundlesOverTheLimit(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "huge.bundle"))
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, f.Truncate(MaxSize+1))
	huge, err := syscall.Mmap(int(f.Fd()), 0, MaxSize+1, syscall.PROT_READ, syscall.MAP_SHARED)
	require.NoError(t, err)
	defer func() { _ = syscall.Munmap(huge) }()
	assert.Equal(t, "policy bundle too big: it is 268435457 bytes; a bundle holds at most 268435456 (256 MiB)", refused(t, huge, ErrTooBig))
}
