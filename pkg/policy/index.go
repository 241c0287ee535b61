package policy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
)

// IndexSuffix names a policy's prepared index: the index of policy.yaml is policy.yaml.index.
//
// A large list costs much more to parse at start (a hash table built from a 1,000,000-line file, or
// the same list as YAML) than a function's whole cold start. Prepare does that work once, when the
// deployment is packaged: the index holds the loaded policy with each list's hash table, its
// entries' expiries and reasons, and what rule attribution needs, so Load only checks it and slices
// it, with no work per entry. The table's IDs are not copied into the index: they are ranges of
// the list file. The index records the size and CRC-32 of the policy and of
// every list file it was made from: Load uses it only when they all still match, and otherwise
// parses the policy as if there were no index (Info says why), so a stale index never changes a
// decision.
const IndexSuffix = ".index"

// The index's first line names its format; an index of another format is not read.
const (
	indexMagicPrefix = "subgate policy index "
	indexFormat      = 4
)

var indexMagic = indexMagicPrefix + strconv.Itoa(indexFormat) + "\n"

// Prepare loads the policy file at path, checking it as Load does, and returns its index, to be
// written beside it as path + IndexSuffix.
func Prepare(path string) ([]byte, error) {
	return prepare(Dir(filepath.Dir(path)), filepath.Base(path), path)
}

// PrepareFrom is Prepare for the policy called name among files.
func PrepareFrom(files Files, name string) ([]byte, error) {
	return prepare(files, name, name)
}

func prepare(files Files, name, display string) ([]byte, error) {
	text, err := files.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("policy file: %w", err)
	}
	src := &sources{files: files, data: map[string][]byte{}}
	p, err := parseWith(text, src, nil)
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", display, err)
	}
	var out bytes.Buffer
	out.WriteString(indexMagic)
	// The inputs: the policy text (named ""), then each list file as the policy names it.
	putUint32(&out, uint32(1+len(src.names)))
	for _, name := range append([]string{""}, src.names...) {
		data := text
		if name != "" {
			data = src.data[name]
		}
		if uint64(len(data)) > uint64(^uint32(0)) {
			return nil, fmt.Errorf("policy %s: %s is 4 GiB or more, too large to index", display, name)
		}
		putString(&out, name)
		putUint32(&out, uint32(len(data)))
		putUint32(&out, crc32.ChecksumIEEE(data))
	}
	putString(&out, p.info.Revision)
	p.write(&out)
	// The last four bytes check the rest: a damaged index is ignored, never half-read.
	putUint32(&out, crc32.ChecksumIEEE(out.Bytes()))
	return out.Bytes(), nil
}

// write appends the policy as the index stores it. Lists are numbered in p.lists' order.
func (p *Policy) write(out *bytes.Buffer) {
	trusted := make([]string, 0, len(p.trusted))
	for op := range p.trusted {
		trusted = append(trusted, op)
	}
	sort.Strings(trusted)
	putStrings(out, trusted)
	putUint32(out, uint32(p.maxSubscribers))
	putUint32(out, uint32(p.maxMembers))
	putBool(out, p.decidesGroups)
	putStrings(out, p.files)
	putUint32(out, uint32(len(p.lists)))
	for _, l := range p.lists {
		l.write(out)
	}
	number := func(l *list) uint32 { return uint32(slices.Index(p.lists, l) + 1) } // 0: none
	p.global.write(out, number)
	writeTargets(out, p.channels, number)
	writeTargets(out, p.groups, number)
}

// writeTargets appends the channels or groups, by ID.
func writeTargets(out *bytes.Buffer, targets map[string]*target, number func(*list) uint32) {
	ids := make([]string, 0, len(targets))
	for id := range targets {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	putUint32(out, uint32(len(ids)))
	for _, id := range ids {
		t := targets[id]
		putString(out, id)
		putBool(out, t.closed)
		putString(out, t.reason)
		t.rules.write(out, number)
	}
}

func (l *list) write(out *bytes.Buffer) {
	l.owner.write(out)
	putString(out, l.key)
	putString(out, l.file)
	t := &l.exact
	putBytes(out, t.inline)
	putUint32(out, uint32(t.n))
	putUint32(out, uint32(t.m))
	putUint32(out, uint32(len(t.slots)/4))
	out.Write(t.spans)
	out.Write(t.slots)
	out.Write(t.meta)
	putBytes(out, t.reasons)
	putBytes(out, l.lines)
	putUint32(out, uint32(len(l.patterns)))
	for _, p := range l.patterns {
		putString(out, p.text)
		out.Write(binary.LittleEndian.AppendUint64(nil, uint64(p.until)))
		putString(out, p.reason)
		putUint32(out, uint32(p.line))
		putBool(out, p.inline)
	}
}

func (r *rules) write(out *bytes.Buffer, number func(*list) uint32) {
	putUint32(out, uint32(len(r.deny)))
	for _, d := range r.deny {
		putUint32(out, number(d))
	}
	putUint32(out, number(r.allow))
	r.def.owner.write(out)
	putBool(out, r.def.allow)
	putBool(out, r.shadow)
}

func (o owner) write(out *bytes.Buffer) {
	putString(out, o.section)
	putString(out, o.id)
}

// loadIndex returns the policy from the index of the policy name among files, or nil and why not
// when there is none or it does not match the policy and its list files (or cannot be read): the
// caller then parses the policy.
//
// Every file is checked by its content. From a folder that cannot change (a read-only file
// system, see mapFile), a large index or list file is mapped into memory and used where it lies,
// so pages a decision never touches take no memory; any other file is read. A policy is loaded
// once in a function's life, so the mappings of a used index are kept for the life of the process,
// and those of an index that is not used are unmapped at once.
func loadIndex(files Files, name string) (*Policy, error) {
	var releases []func()
	releaseAll := func() {
		for _, release := range releases {
			release()
		}
	}
	data, sum, release, err := view(files, name+IndexSuffix, 4) // its last four bytes check the rest
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", ErrIndexMissing, name+IndexSuffix)
		}
		return nil, fmt.Errorf("%w: %v", ErrIndexMissing, err)
	}
	releases = append(releases, release)
	p, err := readIndex(data, sum, name, func(file string) ([]byte, int, uint32, error) {
		data, sum, release, err := view(files, file, 0)
		if err != nil {
			return nil, 0, 0, err
		}
		if file == name {
			release() // the policy text is only checked
			return nil, len(data), sum, nil
		}
		releases = append(releases, release)
		return data, len(data), sum, nil
	})
	if err != nil {
		releaseAll()
		return nil, err
	}
	return p, nil
}

// mapper is Files that can map a file into memory instead of reading it onto the heap; Dir does.
type mapper interface {
	mapFile(name string, tail int) (data []byte, sum uint32, release func(), err error)
}

func (d Dir) mapFile(name string, tail int) ([]byte, uint32, func(), error) {
	return mapFile(resolve(string(d), name), tail)
}

// view returns the content of a file, mapped when files can map it (see mapFile), and the CRC-32
// of all of it but its last tail bytes. release frees it.
func view(files Files, name string, tail int) (data []byte, sum uint32, release func(), err error) {
	if m, ok := files.(mapper); ok {
		return m.mapFile(name, tail)
	}
	data, err = files.ReadFile(name)
	if err != nil {
		return nil, 0, nil, err
	}
	return data, crc32.ChecksumIEEE(data[:max(len(data)-tail, 0)]), func() {}, nil
}

// readIndex reads the index data of the policy name, whose body (all but its last four bytes) has
// the CRC-32 sum. open views a file of the policy by name and returns it with its size and CRC-32
// (the policy's own text only by its size and CRC-32).
func readIndex(data []byte, sum uint32, name string, open func(name string) (data []byte, size int, sum uint32, err error)) (*Policy, error) {
	if !bytes.HasPrefix(data, []byte(indexMagicPrefix)) {
		return nil, fmt.Errorf("%w: it does not start as an index does", ErrIndexDamaged)
	}
	if !bytes.HasPrefix(data, []byte(indexMagic)) {
		version, _, whole := bytes.Cut(data[len(indexMagicPrefix):min(len(data), len(indexMagicPrefix)+16)], []byte("\n"))
		if !whole || string(version) == strconv.Itoa(indexFormat) {
			return nil, fmt.Errorf("%w: its first line is cut short", ErrIndexDamaged)
		}
		return nil, fmt.Errorf("%w: format %q; this build reads format %d (prepare it again)", ErrIndexFormat, version, indexFormat)
	}
	if len(data) < len(indexMagic)+4 || binary.LittleEndian.Uint32(data[len(data)-4:]) != sum {
		return nil, fmt.Errorf("%w: its checksum does not match", ErrIndexDamaged)
	}
	r := indexReader{b: data[len(indexMagic) : len(data)-4]}
	views := map[string][]byte{}
	for n := r.count(); n > 0 && r.err == nil; n-- {
		file, size, want := string(r.str()), r.uint32(), r.uint32()
		if r.err != nil {
			break
		}
		what, display := "list file "+file, file
		if file == "" {
			what, display = "policy file "+name, name
		}
		data, gotSize, got, err := open(display)
		if err != nil {
			return nil, fmt.Errorf("%w: %s cannot be read", ErrIndexStale, what)
		}
		if uint64(gotSize) != uint64(size) {
			return nil, fmt.Errorf("%w: %s has changed size (%d bytes, indexed at %d)", ErrIndexStale, what, gotSize, size)
		}
		if got != want {
			return nil, fmt.Errorf("%w: %s has changed (its checksum differs)", ErrIndexStale, what)
		}
		if file != "" {
			views[file] = data
		}
	}
	revision := string(r.str())
	p := r.policy(views)
	if r.err == nil && len(r.b) != 0 {
		r.err = errIndexDamaged
	}
	if r.err != nil {
		return nil, fmt.Errorf("%w: %v", ErrIndexDamaged, r.err)
	}
	p.info = Info{Revision: revision, Indexed: true, Counts: p.count()}
	return p, nil
}

// errIndexDamaged is what indexReader records when the index does not hold what it should.
var errIndexDamaged = errors.New("its content does not add up")

func (r *indexReader) policy(views map[string][]byte) *Policy {
	p := &Policy{maxSubscribers: 0}
	for _, op := range r.strings() {
		if p.trusted == nil {
			p.trusted = map[string]struct{}{}
		}
		p.trusted[op] = struct{}{}
	}
	p.maxSubscribers = int(r.uint32())
	p.maxMembers = int(r.uint32())
	p.decidesGroups = r.bool()
	p.files = r.strings()
	for n := r.count(); n > 0 && r.err == nil; n-- {
		p.lists = append(p.lists, r.list(views))
	}
	p.global = r.rules(p.lists)
	p.channels = r.targets(p.lists)
	groups := r.targets(p.lists)
	switch {
	case p.decidesGroups:
		p.groups = groups
	case len(groups) > 0:
		r.err = errIndexDamaged // groups in a policy that does not decide them
	}
	return p
}

func (r *indexReader) targets(lists []*list) map[string]*target {
	n := r.count()
	targets := make(map[string]*target, n)
	for ; n > 0 && r.err == nil; n-- {
		id := string(r.str())
		t := &target{closed: r.bool(), reason: string(r.str())}
		t.rules = r.rules(lists)
		targets[id] = t
	}
	return targets
}

// owner reads an owner, which must be the top level or a section's.
func (r *indexReader) owner() owner {
	o := owner{section: string(r.str()), id: string(r.str())}
	if o.section != "" && o.section != sectionChannels && o.section != sectionGroups || (o.section == "") != (o.id == "") {
		r.err = errIndexDamaged
	}
	return o
}

func (r *indexReader) list(views map[string][]byte) *list {
	l := &list{owner: r.owner(), key: string(r.str()), file: string(r.str())}
	if l.file != "" {
		data, ok := views[l.file]
		if !ok {
			r.err = errIndexDamaged
			return l
		}
		l.exact.file = nilIfEmpty(data)
	}
	t := &l.exact
	t.inline = r.str()
	n, m, slots := r.uint32(), r.uint32(), r.uint32()
	if r.err != nil || m > n || slots&(slots-1) != 0 || (n > 0 && uint64(slots) < 2*uint64(n)) || (n == 0 && slots != 0) ||
		uint64(n)*spanSize+uint64(slots)*4+uint64(m)*metaSize > uint64(len(r.b)) {
		r.err = errIndexDamaged
		return l
	}
	t.n, t.m = int(n), int(m)
	t.spans, t.slots, t.meta = r.bytes(spanSize*int(n)), r.bytes(4*int(slots)), r.bytes(metaSize*int(m))
	if slots > 0 {
		t.mask = slots - 1
	}
	t.reasons = r.str()
	l.lines = r.str()
	for n := r.count(); n > 0 && r.err == nil; n-- {
		p := pattern{text: string(r.str())}
		p.until = int64(r.uint64())
		p.reason, p.line, p.inline = string(r.str()), int(r.uint32()), r.bool()
		if !isPattern(p.text) {
			r.err = errIndexDamaged
		}
		l.patterns = append(l.patterns, p)
	}
	l.globs = newGlobSet(l.patterns)
	return l
}

func (r *indexReader) rules(lists []*list) rules {
	number := func() *list {
		i := r.uint32()
		if i == 0 {
			return nil
		}
		if int(i) > len(lists) {
			r.err = errIndexDamaged
			return nil
		}
		return lists[i-1]
	}
	var out rules
	for n := r.count(); n > 0 && r.err == nil; n-- {
		d := number()
		if d == nil {
			r.err = errIndexDamaged
		}
		out.deny = append(out.deny, d)
	}
	out.allow = number()
	out.def = &defaultRule{owner: r.owner(), allow: r.bool()}
	out.shadow = r.bool()
	return out
}

func putUint32(b *bytes.Buffer, v uint32) {
	b.Write(binary.LittleEndian.AppendUint32(nil, v))
}

func putString(b *bytes.Buffer, s string) {
	putUint32(b, uint32(len(s)))
	b.WriteString(s)
}

func putBytes(b *bytes.Buffer, s []byte) {
	putUint32(b, uint32(len(s)))
	b.Write(s)
}

func putStrings(out *bytes.Buffer, list []string) {
	putUint32(out, uint32(len(list)))
	for _, s := range list {
		putString(out, s)
	}
}

func putBool(out *bytes.Buffer, b bool) {
	v := uint32(0)
	if b {
		v = 1
	}
	putUint32(out, v)
}

// indexReader reads an index front to back; after the first error every read returns zeros.
type indexReader struct {
	b   []byte
	err error
}

// bytes returns the next n bytes as they lie in the index (nil when n is 0, as a parsed policy
// has it).
func (r *indexReader) bytes(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.b) {
		r.err = errIndexDamaged
		return nil
	}
	out := r.b[:n:n]
	r.b = r.b[n:]
	if n == 0 {
		return nil
	}
	return out
}

func (r *indexReader) uint32() uint32 {
	b := r.bytes(4)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

func (r *indexReader) uint64() uint64 {
	b := r.bytes(8)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}

func (r *indexReader) bool() bool {
	switch r.uint32() {
	case 0:
		return false
	case 1:
		return true
	}
	r.err = errIndexDamaged
	return false
}

func (r *indexReader) str() []byte { return r.bytes(int(r.uint32())) }

func (r *indexReader) strings() []string {
	var list []string
	for n := r.count(); n > 0; n-- {
		list = append(list, string(r.str()))
	}
	return list
}

// count reads a number of items to follow; each takes at least four bytes, so a count larger than
// what is left marks a damaged index rather than a huge loop.
func (r *indexReader) count() int {
	n := r.uint32()
	if uint64(n)*4 > uint64(len(r.b)) {
		r.err = errIndexDamaged
		return 0
	}
	return int(n)
}
