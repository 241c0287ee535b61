//go:build !unix

package policy

import "os"

// mapFile reads a file into memory (systems without mmap). release does nothing.
func mapFile(path string) (data []byte, release func(), err error) {
	data, err = os.ReadFile(path)
	return data, func() {}, err
}
