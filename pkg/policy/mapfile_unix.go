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

// mapFile maps a file read-only into memory: its pages come straight from the page cache, with
// nothing copied onto the heap, and only the pages used are brought in. sum is the CRC-32 of all
// of it but its last tail bytes, computed by reading the file through a small buffer rather than
// through the mapping, so checking a large file does not bring all of it into the process's
// memory. release unmaps it; the data must not be used after. A file under mapAtLeast bytes is
// read instead.
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
	if size < mapAtLeast {
		data := make([]byte, size)
		if _, err := io.ReadFull(f, data); err != nil {
			return nil, 0, nil, err
		}
		return data, crc32.ChecksumIEEE(data[:max(len(data)-tail, 0)]), func() {}, nil
	}
	h := crc32.NewIEEE()
	if _, err := io.CopyBuffer(h, io.NewSectionReader(f, 0, size-int64(tail)), make([]byte, 64<<10)); err != nil {
		return nil, 0, nil, err
	}
	data, err = syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, 0, nil, err
		}
		return data, crc32.ChecksumIEEE(data[:max(len(data)-tail, 0)]), func() {}, nil
	}
	return data, h.Sum32(), func() { _ = syscall.Munmap(data) }, nil
}
