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

// sumWindow is how much of a mapped file's checksum maps at a time (a multiple of the page size).
const sumWindow = 4 << 20

// canChange reports whether this process could change the file at path: false on a read-only file
// system (a Lambda or SCF code folder), where a mapped file cannot change under a process. A test
// sets it to try both sides.
var canChange = func(path string) bool {
	return syscall.Access(path, 2 /* W_OK */) != syscall.EROFS
}

// mapFile gives a file's content and the CRC-32 of all of it but its last tail bytes. claim gives
// the CRC-32 the caller expects, from the file's content. When the file's modification time is the
// stamp of that checksum and of the file's size (see ModTime), the file is taken to be the one
// deploy/pack stamped: it is mapped read-only, sum is the claim, stamped is true, and nothing of it
// is read (only the pages decisions use are ever brought in). release unmaps it; the data must not
// be used after.
//
// A large file that is not stamped is mapped too when it cannot change (a read-only file system),
// its checksum computed through mappings of sumWindow bytes at a time, so that at most that much of
// it is in the process's memory at once. Any other file is read onto the heap and its checksum
// computed: a file is used where it lies only when it cannot change under the process (deploy/pack
// replaces stamped files by a rename, never in place); one edited in place would change a running
// process's decisions, or end it with SIGBUS if cut short.
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
			release := func() { _ = syscall.Munmap(data) }
			if want := claim(data); info.ModTime().Equal(stamp(size, want)) {
				return data, want, true, release, nil
			}
			if !canChange(path) {
				sum, err := sumMapped(f, size-int64(tail))
				if err == nil {
					return data, sum, false, release, nil
				}
			}
			release()
		}
	}
	data = make([]byte, size)
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, 0, false, nil, err
	}
	return data, crc32.ChecksumIEEE(data[:max(len(data)-tail, 0)]), false, func() {}, nil
}

// sumMapped is the CRC-32 of the first n bytes of f, mapped sumWindow bytes at a time.
func sumMapped(f *os.File, n int64) (uint32, error) {
	var sum uint32
	for off := int64(0); off < n; off += sumWindow {
		window, err := syscall.Mmap(int(f.Fd()), off, int(min(sumWindow, n-off)), syscall.PROT_READ, syscall.MAP_SHARED)
		if err != nil {
			return 0, err
		}
		sum = crc32.Update(sum, crc32.IEEETable, window)
		if err := syscall.Munmap(window); err != nil {
			return 0, err
		}
	}
	return sum, nil
}
