package policy

import (
	"bytes"
	"encoding/binary"
	"sort"
)

// table is a read-only hash set of exact IDs laid out in the bytes of a prepared index, so loading
// it costs nothing per entry. Entry i is blob[offset(i):offset(i+1)]; slots hold entry numbers
// plus one (0 is empty), found by open addressing from the ID's FNV-1a hash. Lookups allocate
// nothing.
type table struct {
	n       int
	offsets []byte // n+1 little-endian uint32
	slots   []byte // a power of two of little-endian uint32
	mask    uint32
	blob    []byte
}

func fnv1a(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

func (t *table) has(id string) bool {
	if t == nil || t.n == 0 {
		return false
	}
	slot := fnv1a(id) & t.mask
	for range t.mask + 1 {
		e := binary.LittleEndian.Uint32(t.slots[4*slot:])
		if e == 0 || int(e) > t.n {
			return false
		}
		if start, end := t.bounds(e - 1); start <= end && end <= uint32(len(t.blob)) && string(t.blob[start:end]) == id {
			return true
		}
		slot = (slot + 1) & t.mask
	}
	return false
}

func (t *table) bounds(i uint32) (start, end uint32) {
	return binary.LittleEndian.Uint32(t.offsets[4*i:]), binary.LittleEndian.Uint32(t.offsets[4*i+4:])
}

// writeTable appends the table of ids (sorted, so the index is the same for the same policy) with
// at least twice as many slots as entries, so probe runs stay short.
func writeTable(out *bytes.Buffer, ids map[string]struct{}) {
	sorted := make([]string, 0, len(ids))
	for id := range ids {
		sorted = append(sorted, id)
	}
	sort.Strings(sorted)
	n := uint32(len(sorted))
	slotCount := uint32(0)
	if n > 0 {
		slotCount = 2
		for slotCount < 2*n {
			slotCount *= 2
		}
	}
	putUint32(out, n)
	putUint32(out, slotCount)
	blobLen := 0
	for _, id := range sorted {
		blobLen += len(id)
	}
	putUint32(out, uint32(blobLen))
	offset := uint32(0)
	putUint32(out, 0)
	for _, id := range sorted {
		offset += uint32(len(id))
		putUint32(out, offset)
	}
	slots := make([]uint32, slotCount)
	for i, id := range sorted {
		slot := fnv1a(id) & (slotCount - 1)
		for slots[slot] != 0 {
			slot = (slot + 1) & (slotCount - 1)
		}
		slots[slot] = uint32(i) + 1
	}
	for _, s := range slots {
		putUint32(out, s)
	}
	for _, id := range sorted {
		out.WriteString(id)
	}
}

// table reads a table written by writeTable; nil when it holds no entries.
func (r *indexReader) table() *table {
	n, slotCount, blobLen := r.uint32(), r.uint32(), r.uint32()
	if r.err != nil || slotCount&(slotCount-1) != 0 || (n > 0 && slotCount < 2*n) || uint64(n) > uint64(len(r.b)) {
		r.err = errStaleIndex
		return nil
	}
	t := &table{n: int(n), offsets: r.bytes(4 * (int(n) + 1)), slots: r.bytes(4 * int(slotCount)), blob: r.bytes(int(blobLen))}
	if r.err != nil {
		return nil
	}
	if n == 0 {
		return nil
	}
	// The index's checksum vouches for the table; lookups still check every offset they use, so a
	// table that is wrong some other way answers wrongly but never reads out of range or loops.
	t.mask = slotCount - 1
	return t
}
