//go:build unix

package policy

import (
	"hash/crc32"
	"io"
	"os"
	"syscall"
)

// mapAtLeast is the size from which a file that cannot change is mapped rather than read: below
// it, reading costs less than setting a mapping up and tearing it down.
const mapAtLeast = 64 << 10

// sumWindow is how much of a mapped file's checksum maps at a time (a multiple of the page size).
const sumWindow = 4 << 20

// canChange reports whether the file at path could change under this process: false only on a
// read-only file system (a Lambda or SCF code folder). A test sets it to try both sides.
var canChange = func(path string) bool {
	return syscall.Access(path, 2 /* W_OK */) != syscall.EROFS
}

// mapFile gives a file's content and the CRC-32 of all of it but its last tail bytes, always
// computed from the content.
//
// A large file that cannot change (canChange) is mapped read-only and used where it lies, so that
// pages no decision touches take no memory; its checksum is computed through mappings of
// sumWindow bytes at a time, so that at most that much of it is in the process's memory at once (a
// file of one window or less is summed through the mapping the decisions use: its pages are
// faulted in once, not twice, about a fifth of a 100,000-entry list's load).
// Any other file is read onto the heap: one mapped from a writable folder could be edited in place
// under the process, changing its decisions after the check, or cut short, ending it with SIGBUS.
// release unmaps a mapped file; its data must not be used after.
func mapFile(path string, tail int) (data []byte, sum uint32, release func(), err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, 0, nil, err
	}
	size := info.Size()
	if size >= mapAtLeast && !canChange(path) {
		data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
		if err == nil {
			release := func() { _ = syscall.Munmap(data) }
			if size <= sumWindow { // one window: the mapping the decisions use, its pages read once
				return data, crc32.ChecksumIEEE(data[:max(len(data)-tail, 0)]), release, nil
			}
			if sum, err := sumMapped(f, size-int64(tail)); err == nil {
				return data, sum, release, nil
			}
			release()
		}
	}
	data = make([]byte, size)
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, 0, nil, err
	}
	return data, crc32.ChecksumIEEE(data[:max(len(data)-tail, 0)]), func() {}, nil
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
