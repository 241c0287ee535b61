package policy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"sort"
)

// IndexSuffix names a policy's prepared index: the index of policy.yaml is policy.yaml.index.
//
// A large list costs much more to parse at start (a hash set built from a 100,000-line file, or the
// same list as YAML) than a function's whole cold start. Prepare does that work once, when the
// deployment is packaged: the index holds the loaded policy with each list's exact IDs in a ready
// hash table, so Load only reads it and slices it. The index records the size and CRC-32 of the
// policy and of every list file it was made from; Load uses it only when they all still match, and
// otherwise parses the policy as if there were no index, so a stale index never changes a decision.
const IndexSuffix = ".index"

const indexMagic = "subgate policy index 2\n"

// Prepare loads the policy file at path, checking it as Load does, and returns its index.
func Prepare(path string) ([]byte, error) {
	files := Dir(filepath.Dir(path))
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("policy file: %w", err)
	}
	p, err := ParseFrom(text, path, files)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.WriteString(indexMagic)
	// Inputs: the policy text (named ""), then each list file as the policy names it.
	sources := append([]string{""}, p.files...)
	putUint32(&out, uint32(len(sources)))
	for _, name := range sources {
		data := text
		if name != "" {
			if data, err = files.ReadFile(name); err != nil {
				return nil, fmt.Errorf("policy %s: %w", path, err)
			}
		}
		putString(&out, name)
		putUint32(&out, uint32(len(data)))
		putUint32(&out, crc32.ChecksumIEEE(data))
	}
	img, sets := p.image()
	img.write(&out)
	for _, s := range sets {
		writeTable(&out, s.exact)
	}
	// The last four bytes check the rest: a damaged index is ignored, never half-read.
	putUint32(&out, crc32.ChecksumIEEE(out.Bytes()))
	return out.Bytes(), nil
}

// loadIndex returns the policy from the index of the policy name among files, or nil when there is
// none or it does not match the policy and its list files (or cannot be read): the caller then
// parses the policy.
//
// From a folder, the index is mapped into memory, not read onto the heap, and its tables are used
// where they lie: a policy is loaded once in a function's life, so the mapping is kept for the life
// of the process, and an index that is not used is unmapped at once.
func loadIndex(files Files, name string) *Policy {
	data, release, err := view(files, name+IndexSuffix)
	if err != nil {
		return nil
	}
	text, releaseText, err := view(files, name)
	if err != nil {
		release()
		return nil
	}
	p, err := readIndex(data, text, files)
	releaseText()
	if err != nil {
		release()
		return nil
	}
	return p
}

// mapper is Files that can map a file into memory instead of reading it onto the heap; Dir does.
type mapper interface {
	mapFile(name string) (data []byte, release func(), err error)
}

func (d Dir) mapFile(name string) ([]byte, func(), error) {
	return mapFile(resolve(string(d), name))
}

// view returns the content of a file, mapped when files can map it; release frees it.
func view(files Files, name string) (data []byte, release func(), err error) {
	if m, ok := files.(mapper); ok {
		return m.mapFile(name)
	}
	data, err = files.ReadFile(name)
	return data, func() {}, err
}

var errStaleIndex = errors.New("the index does not match the policy")

func readIndex(data, text []byte, files Files) (*Policy, error) {
	if len(data) < len(indexMagic)+4 {
		return nil, errStaleIndex
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return nil, errStaleIndex
	}
	r := indexReader{b: body}
	if string(r.bytes(len(indexMagic))) != indexMagic {
		return nil, errStaleIndex
	}
	for n := r.uint32(); n > 0 && r.err == nil; n-- {
		name, size, sum := string(r.str()), r.uint32(), r.uint32()
		if r.err != nil {
			break
		}
		if !matches(text, name, files, size, sum) {
			return nil, errStaleIndex
		}
	}
	img := r.image()
	sets := make([]*IDSet, len(img.Sets))
	for i, s := range img.Sets {
		sets[i] = &IDSet{patterns: s.Patterns, table: r.table(), globs: newGlobSet(s.Patterns)}
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = errStaleIndex
	}
	if r.err != nil {
		return nil, r.err
	}
	return img.policy(sets)
}

// matches reports whether an input of the index is unchanged: the policy text (name "") or the
// list file name.
func matches(text []byte, name string, files Files, size, sum uint32) bool {
	if name == "" {
		return uint32(len(text)) == size && crc32.ChecksumIEEE(text) == sum
	}
	data, release, err := view(files, name)
	if err != nil {
		return false
	}
	defer release()
	return uint32(len(data)) == size && crc32.ChecksumIEEE(data) == sum
}

// image is a loaded Policy as the index stores it; sets are numbers into the index's list of sets.
// It is written in binary, field by field (see write), so reading it needs no reflection.
type image struct {
	Trusted  []string
	Max      int
	Global   rulesImage
	Channels []channelImage
	Files    []string
	Sets     []setImage
}

type rulesImage struct {
	Deny         []int
	Allow        int // -1: none
	DefaultAllow bool
}

type channelImage struct {
	ID     string
	Closed bool
	Reason string
	Rules  rulesImage
}

type setImage struct {
	Patterns []string
}

// image describes p, numbering its distinct sets in the order they are first named.
func (p *Policy) image() (image, []*IDSet) {
	var sets []*IDSet
	number := func(s *IDSet) int {
		if s == nil {
			return -1
		}
		if i := slices.Index(sets, s); i >= 0 {
			return i
		}
		sets = append(sets, s)
		return len(sets) - 1
	}
	rules := func(r rules) rulesImage {
		out := rulesImage{Allow: number(r.allow), DefaultAllow: r.defaultAllow}
		for _, d := range r.deny {
			out.Deny = append(out.Deny, number(d))
		}
		return out
	}
	img := image{Max: p.maxSubscribers, Global: rules(p.global), Files: p.files}
	for op := range p.trusted {
		img.Trusted = append(img.Trusted, op)
	}
	sort.Strings(img.Trusted)
	ids := make([]string, 0, len(p.channels))
	for id := range p.channels {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		c := p.channels[id]
		img.Channels = append(img.Channels, channelImage{ID: id, Closed: c.closed, Reason: c.reason, Rules: rules(c.rules)})
	}
	for _, s := range sets {
		img.Sets = append(img.Sets, setImage{Patterns: s.patterns})
	}
	return img, sets
}

// policy rebuilds the Policy an image describes.
func (img image) policy(sets []*IDSet) (*Policy, error) {
	set := func(i int) (*IDSet, error) {
		if i == -1 {
			return nil, nil
		}
		if i < 0 || i >= len(sets) {
			return nil, errStaleIndex
		}
		return sets[i], nil
	}
	rules := func(in rulesImage) (rules, error) {
		out := rules{defaultAllow: in.DefaultAllow}
		var err error
		if out.allow, err = set(in.Allow); err != nil {
			return out, err
		}
		for _, d := range in.Deny {
			s, err := set(d)
			if err != nil || s == nil {
				return out, errStaleIndex
			}
			out.deny = append(out.deny, s)
		}
		return out, nil
	}
	p := &Policy{maxSubscribers: img.Max, files: img.Files, channels: make(map[string]*channel, len(img.Channels))}
	var err error
	if p.global, err = rules(img.Global); err != nil {
		return nil, err
	}
	if len(img.Trusted) > 0 {
		p.trusted = make(map[string]struct{}, len(img.Trusted))
		for _, op := range img.Trusted {
			p.trusted[op] = struct{}{}
		}
	}
	for _, c := range img.Channels {
		ch := &channel{closed: c.Closed, reason: c.Reason}
		if ch.rules, err = rules(c.Rules); err != nil {
			return nil, err
		}
		p.channels[c.ID] = ch
	}
	return p, nil
}

func resolve(baseDir, name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(baseDir, name)
}

func putUint32(b *bytes.Buffer, v uint32) {
	b.Write(binary.LittleEndian.AppendUint32(nil, v))
}

func putString(b *bytes.Buffer, s string) {
	putUint32(b, uint32(len(s)))
	b.WriteString(s)
}

// indexReader reads an index front to back; after the first error every read returns zeros.
type indexReader struct {
	b   []byte
	err error
}

func (r *indexReader) bytes(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.b) {
		r.err = errStaleIndex
		return nil
	}
	out := r.b[:n:n]
	r.b = r.b[n:]
	return out
}

func (r *indexReader) uint32() uint32 {
	b := r.bytes(4)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

func (r *indexReader) str() []byte { return r.bytes(int(r.uint32())) }

func (img image) write(out *bytes.Buffer) {
	putStrings(out, img.Trusted)
	putUint32(out, uint32(img.Max))
	putStrings(out, img.Files)
	putUint32(out, uint32(len(img.Sets)))
	for _, s := range img.Sets {
		putStrings(out, s.Patterns)
	}
	img.Global.write(out)
	putUint32(out, uint32(len(img.Channels)))
	for _, c := range img.Channels {
		putString(out, c.ID)
		putBool(out, c.Closed)
		putString(out, c.Reason)
		c.Rules.write(out)
	}
}

func (r rulesImage) write(out *bytes.Buffer) {
	putUint32(out, uint32(len(r.Deny)))
	for _, d := range r.Deny {
		putUint32(out, uint32(d))
	}
	putUint32(out, uint32(r.Allow+1))
	putBool(out, r.DefaultAllow)
}

func (r *indexReader) image() image {
	img := image{Trusted: r.strings(), Max: int(r.uint32()), Files: r.strings()}
	for n := r.count(); n > 0; n-- {
		img.Sets = append(img.Sets, setImage{Patterns: r.strings()})
	}
	img.Global = r.rules()
	for n := r.count(); n > 0; n-- {
		img.Channels = append(img.Channels, channelImage{ID: string(r.str()), Closed: r.uint32() != 0, Reason: string(r.str()), Rules: r.rules()})
	}
	return img
}

func (r *indexReader) rules() rulesImage {
	var out rulesImage
	for n := r.count(); n > 0; n-- {
		out.Deny = append(out.Deny, int(r.uint32()))
	}
	out.Allow = int(r.uint32()) - 1
	out.DefaultAllow = r.uint32() != 0
	return out
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
		r.err = errStaleIndex
		return 0
	}
	return int(n)
}
