package policy

import (
	"bytes"
	"encoding/binary"
	"math"
)

// table is a read-only hash set of a list's exact IDs. It is the same bytes whether the policy was
// parsed or read from its prepared index (which stores them as they are), so both decide and
// attribute alike, and reading a table from an index costs nothing per entry.
//
// The IDs themselves are not copied: entry i is spans[i] = (start, end), a range of the table's
// text, which is inline (the IDs of the list's YAML key, one after another) followed by file (the
// list file's bytes, as read). Slots hold entry numbers plus one (0 is empty), found by open
// addressing from the ID's FNV-1a hash.
//
// Entries [0, m) carry an annotation (an expiry or a reason, see meta); the others have none, so
// finding that an entry without one applies costs one comparison (i < m).
type table struct {
	n, m    int
	spans   []byte // 8 bytes an entry: start and end (uint32, little-endian) in inline+file
	slots   []byte // a power of two of little-endian uint32
	mask    uint32
	inline  []byte
	file    []byte
	meta    []byte // 16 bytes an annotated entry: until (int64 Unix seconds), reason's start and end in reasons
	reasons []byte
}

// forever is the until of an entry that does not expire.
const forever = math.MaxInt64

const (
	spanSize = 8
	metaSize = 16
)

func fnv1a[T string | []byte](s T) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// find returns the entry holding id. It allocates nothing, and checks every offset it reads, so
// a table that is wrong (its index's checksum vouches for it) answers wrongly but never reads out
// of range or loops.
func (t *table) find(id string) (uint32, bool) {
	if t.n == 0 {
		return 0, false
	}
	slot := fnv1a(id) & t.mask
	for range t.mask + 1 {
		e := binary.LittleEndian.Uint32(t.slots[4*slot:])
		if e == 0 || int(e) > t.n {
			return 0, false
		}
		if string(t.entry(e-1)) == id {
			return e - 1, true
		}
		slot = (slot + 1) & t.mask
	}
	return 0, false
}

// span is where entry e lies in inline+file.
func (t *table) span(e uint32) (start, end uint32) {
	return binary.LittleEndian.Uint32(t.spans[spanSize*int(e):]), binary.LittleEndian.Uint32(t.spans[spanSize*int(e)+4:])
}

// entry is the text of entry e (nil when its span is out of range).
func (t *table) entry(e uint32) []byte {
	return t.text(t.span(e))
}

// text is inline+file[start:end] (nil when out of range, or across inline and file).
func (t *table) text(start, end uint32) []byte {
	if start > end {
		return nil
	}
	if n := uint32(len(t.inline)); start >= n {
		start, end = start-n, end-n
		if end > uint32(len(t.file)) {
			return nil
		}
		return t.file[start:end]
	}
	if end > uint32(len(t.inline)) {
		return nil
	}
	return t.inline[start:end]
}

// fileOffset is where entry e starts in the list file; false for an inline entry.
func (t *table) fileOffset(e uint32) (uint32, bool) {
	start, _ := t.span(e)
	if start < uint32(len(t.inline)) {
		return 0, false
	}
	return start - uint32(len(t.inline)), true
}

// until is when entry e stops applying (forever when it does not expire).
func (t *table) until(e uint32) int64 {
	if int(e) >= t.m {
		return forever
	}
	return int64(binary.LittleEndian.Uint64(t.meta[metaSize*int(e):]))
}

// reason is the reason given for entry e ("" when none).
func (t *table) reason(e uint32) string {
	if int(e) >= t.m {
		return ""
	}
	start := binary.LittleEndian.Uint32(t.meta[metaSize*int(e)+8:])
	end := binary.LittleEndian.Uint32(t.meta[metaSize*int(e)+12:])
	if start > end || end > uint32(len(t.reasons)) {
		return ""
	}
	return string(t.reasons[start:end])
}

// tableBuilder builds a table from a list's entries in list order: its inline entries, then its
// file's. An ID listed twice is one entry: the one that applies longer (no expiry beats any), the
// first among equals; each duplicate is reported to dup.
type tableBuilder struct {
	inline []byte
	file   []byte
	spans  []uint32 // start, end of each entry
	anns   map[uint32]annotation
	slots  []byte // for finding duplicates while adding
	mask   uint32
	dup    func(kept, again, againEnd uint32) // where the kept entry starts, and the repeat's span
}

// newTableBuilder makes room for at most max entries over the list file's bytes file.
func newTableBuilder(file []byte, max int) *tableBuilder {
	b := &tableBuilder{file: file}
	if max > 0 {
		slots := slotCount(max)
		b.slots, b.mask = make([]byte, 4*slots), uint32(slots)-1
	}
	return b
}

// addInline adds an entry of the list's YAML key. Every inline entry comes before any file entry.
func (b *tableBuilder) addInline(id string, ann annotation) {
	start := uint32(len(b.inline))
	b.inline = append(b.inline, id...)
	b.add(start, uint32(len(b.inline)), ann)
}

// addFile adds the entry at file[start:end].
func (b *tableBuilder) addFile(start, end int, ann annotation) {
	n := uint32(len(b.inline))
	b.add(n+uint32(start), n+uint32(end), ann)
}

func (b *tableBuilder) text(start, end uint32) []byte {
	if n := uint32(len(b.inline)); start >= n {
		return b.file[start-n : end-n]
	}
	return b.inline[start:end]
}

func (b *tableBuilder) annotation(e uint32) annotation {
	if ann, ok := b.anns[e]; ok {
		return ann
	}
	return noAnnotation
}

func (b *tableBuilder) add(start, end uint32, ann annotation) {
	id := b.text(start, end)
	slot := fnv1a(id) & b.mask
	for {
		e := binary.LittleEndian.Uint32(b.slots[4*slot:])
		if e == 0 {
			b.spans = append(b.spans, start, end)
			e = uint32(len(b.spans) / 2)
			binary.LittleEndian.PutUint32(b.slots[4*slot:], e)
			b.annotate(e-1, ann)
			return
		}
		e--
		if bytes.Equal(b.text(b.spans[2*e], b.spans[2*e+1]), id) {
			if b.dup != nil {
				b.dup(b.spans[2*e], start, end)
			}
			if ann.until > b.annotation(e).until {
				b.spans[2*e], b.spans[2*e+1] = start, end
				b.annotate(e, ann)
			}
			return
		}
		slot = (slot + 1) & b.mask
	}
}

func (b *tableBuilder) annotate(e uint32, ann annotation) {
	if ann == noAnnotation {
		delete(b.anns, e)
		return
	}
	if b.anns == nil {
		b.anns = make(map[uint32]annotation)
	}
	b.anns[e] = ann
}

// table lays the entries out, annotated ones first (in list order), then the others, and files
// them in slots of their own.
func (b *tableBuilder) table() table {
	n := len(b.spans) / 2
	t := table{n: n, m: len(b.anns), inline: nilIfEmpty(b.inline), file: nilIfEmpty(b.file)}
	if n == 0 {
		return t
	}
	order := make([]uint32, 0, n) // the entries in their new order
	for e := range uint32(n) {
		if _, ok := b.anns[e]; ok {
			order = append(order, e)
		}
	}
	for e := range uint32(n) {
		if _, ok := b.anns[e]; !ok {
			order = append(order, e)
		}
	}
	t.spans = make([]byte, 0, spanSize*n)
	for _, e := range order {
		t.spans = binary.LittleEndian.AppendUint32(t.spans, b.spans[2*e])
		t.spans = binary.LittleEndian.AppendUint32(t.spans, b.spans[2*e+1])
	}
	if t.m > 0 {
		t.meta = make([]byte, 0, metaSize*t.m)
		reasons := map[string][2]uint32{}
		for _, e := range order[:t.m] {
			ann := b.anns[e]
			span, ok := reasons[ann.reason]
			if !ok && ann.reason != "" {
				span = [2]uint32{uint32(len(t.reasons)), uint32(len(t.reasons) + len(ann.reason))}
				reasons[ann.reason] = span
				t.reasons = append(t.reasons, ann.reason...)
			}
			t.meta = binary.LittleEndian.AppendUint64(t.meta, uint64(ann.until))
			t.meta = binary.LittleEndian.AppendUint32(t.meta, span[0])
			t.meta = binary.LittleEndian.AppendUint32(t.meta, span[1])
		}
	}
	slots := slotCount(n)
	if t.m == 0 && 4*slots == len(b.slots) {
		// The entries kept their numbers and need as many slots as were made for finding duplicates.
		t.slots, t.mask = b.slots, b.mask
		return t
	}
	t.slots, t.mask = make([]byte, 4*slots), uint32(slots)-1
	for e := range uint32(n) {
		slot := fnv1a(t.entry(e)) & t.mask
		for binary.LittleEndian.Uint32(t.slots[4*slot:]) != 0 {
			slot = (slot + 1) & t.mask
		}
		binary.LittleEndian.PutUint32(t.slots[4*slot:], e+1)
	}
	return t
}

// slotCount is the number of slots for n entries: the least power of two at least 2n, so probe
// runs stay short.
func slotCount(n int) int {
	slots := 2
	for slots < 2*n {
		slots *= 2
	}
	return slots
}

func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}
