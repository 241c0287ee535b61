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

// sumWindow is how much of a mapped file its checksum maps at a time (a multiple of the page
// size).
const sumWindow = 4 << 20

// mapFile maps a file read-only into memory: its pages come straight from the page cache, with
// nothing copied onto the heap, and only the pages used are brought in. release unmaps it; the
// data must not be used after. A file under mapAtLeast bytes is read instead, and its checksum
// computed.
//
// sum is the CRC-32 of all of the file but its last tail bytes. claim gives the CRC-32 the caller
// expects, from the mapped data: when the file's modification time is the stamp of that checksum
// and of the file's size (see ModTime), the file is taken to be the one stamped, sum is the claim
// and stamped is true, and nothing more of the file is read. Otherwise sum is computed through
// mappings of sumWindow bytes at a time, each unmapped once summed: that costs about half as much
// as reading the file through a buffer (no copy), and at most sumWindow of it is in the process's
// memory at once, where summing the whole mapping would bring all of it in.
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
	if size < mapAtLeast {
		data := make([]byte, size)
		if _, err := io.ReadFull(f, data); err != nil {
			return nil, 0, false, nil, err
		}
		return data, crc32.ChecksumIEEE(data[:max(len(data)-tail, 0)]), false, func() {}, nil
	}
	data, err = syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, 0, false, nil, err
		}
		return data, crc32.ChecksumIEEE(data[:max(len(data)-tail, 0)]), false, func() {}, nil
	}
	release = func() { _ = syscall.Munmap(data) }
	if claim != nil {
		if want := claim(data); info.ModTime().Equal(stamp(size, want)) {
			return data, want, true, release, nil
		}
	}
	sum, err = sumMapped(f, size-int64(tail))
	if err != nil {
		release()
		return nil, 0, false, nil, err
	}
	return data, sum, false, release, nil
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
