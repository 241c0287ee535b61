//go:build unix

package policy

import (
	"io"
	"os"
	"syscall"
)

// mapAtLeast is the size from which a file is mapped rather than read: below it, reading costs
// less than setting a mapping up and tearing it down.
const mapAtLeast = 64 << 10

// mapFile maps a file read-only into memory: its pages come straight from the page cache, with
// nothing copied onto the heap. release unmaps it; the data must not be used after. A file under
// mapAtLeast bytes is read instead.
func mapFile(path string) (data []byte, release func(), err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	size := info.Size()
	if size < mapAtLeast {
		data, err := readOpen(f, size)
		return data, func() {}, err
	}
	data, err = syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		data, err := os.ReadFile(path)
		return data, func() {}, err
	}
	return data, func() { _ = syscall.Munmap(data) }, nil
}

// readOpen reads the whole of an open file of the given size.
func readOpen(f *os.File, size int64) ([]byte, error) {
	data := make([]byte, size)
	_, err := io.ReadFull(f, data)
	return data, err
}
