package policy

import (
	"encoding/binary"
	"hash/crc32"
	"time"
)

// stampEpoch is the earliest stamp: 1980-01-01 00:00:00 UTC, the earliest time a zip entry can
// carry.
var stampEpoch = time.Date(1980, time.January, 1, 0, 0, 0, 0, time.UTC)

// stamp is the modification time of a file of size bytes whose checksum is sum: an even number of
// seconds (a zip's MS-DOS time keeps two-second steps) from 2 s to about 17 years after stampEpoch,
// from 2^28 values spread by a multiplicative hash of the size and checksum. It is never
// stampEpoch itself, nor a time in the future.
func stamp(size int64, sum uint32) time.Time {
	h := (uint64(size)<<32 | uint64(sum)) * 0x9e3779b97f4a7c15 >> 36
	return stampEpoch.Add(time.Duration(2*(1+h)) * time.Second)
}

// ModTime is the modification time deploy/pack gives a policy file or list file holding data, so
// that Load can trust its checksum without reading it.
//
// A prepared index records the size and CRC-32 of the policy and of each list file it was made
// from, and Load uses it only when the files still match. Checking a large list by reading it costs
// more than the rest of a cold start (a few milliseconds for a 1,000,000-entry list), so deploy/pack
// stamps the files it lays out and zips: each gets the time ModTime (for the index, IndexModTime)
// derives from the size and CRC-32 of the bytes written. Load, finding a file of at least 64 KiB
// whose size is the recorded one and whose modification time is the stamp of the recorded
// checksum, takes the checksum as checked without reading the file. Any other file (not stamped,
// stamped for other content, of another size, or small, which costs nothing to read) is checked by
// reading it, as without stamps. Info.Stamped counts the files taken on their stamps.
//
// A stamp says the file was written by pack with that content and not written since: an edit
// gives the file the time of the edit, and a file written by another tool (a zip tool that dates
// every entry 1980-01-01, as reproducible builds do) gets a time that is not the stamp of the old
// content. What a stamp cannot see is a file rewritten with the same size whose old modification
// time is then put back on purpose (touch -r, or a tool that restores times after editing in
// place): to have such a file checked, give it a new time (touch it) or remove the index.
func ModTime(data []byte) time.Time {
	return stamp(int64(len(data)), crc32.ChecksumIEEE(data))
}

// IndexModTime is the modification time deploy/pack gives a prepared index (what Prepare
// returned): the stamp of its size and of the checksum of its body that it ends with.
func IndexModTime(index []byte) time.Time {
	if len(index) < 4 {
		return ModTime(index)
	}
	body := index[:len(index)-4]
	sum := crc32.ChecksumIEEE(body)
	if sum != binary.LittleEndian.Uint32(index[len(body):]) {
		return ModTime(index) // not an index: Load will not trust it
	}
	return stamp(int64(len(index)), sum)
}
