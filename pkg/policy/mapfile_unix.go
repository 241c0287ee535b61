//go:build unix

package policy

import (
	"hash/crc32"
	"io"
	"os"
	"syscall"
)

// mapAtLeast is the size from which a file is mapped rather than read: below it, reading costs
// less than setting a mapping up and tearing it down.
const mapAtLeast = 64 << 10

// mapFile gives a file's content and the CRC-32 of all of it but its last tail bytes. claim gives
// the CRC-32 the caller expects, from the file's content. When the file's modification time is the
// stamp of that checksum and of the file's size (see ModTime), the file is taken to be the one
// deploy/pack stamped: it is mapped read-only, sum is the claim, stamped is true, and nothing of it
// is read (only the pages decisions use are ever brought in). release unmaps it; the data must not
// be used after.
//
// Any other file is read onto the heap and its checksum computed. Only a stamped file is used
// where it lies: deploy/pack replaces such files by a rename, never in place, and on SCF and Lambda
// they cannot change at all; a file edited in place under a running process would change its
// decisions, or end it with SIGBUS if cut short.
func mapFile(path string, tail int, claim func(data []byte) uint32) (data []byte, sum uint32, stamped bool, release func(), err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, false, nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, 0, false, nil, err
	}
	size := info.Size()
	if size >= mapAtLeast && claim != nil {
		data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
		if err == nil {
			if want := claim(data); info.ModTime().Equal(stamp(size, want)) {
				return data, want, true, func() { _ = syscall.Munmap(data) }, nil
			}
			_ = syscall.Munmap(data)
		}
	}
	data = make([]byte, size)
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, 0, false, nil, err
	}
	return data, crc32.ChecksumIEEE(data[:max(len(data)-tail, 0)]), false, func() {}, nil
}
