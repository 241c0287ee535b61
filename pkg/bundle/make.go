package bundle

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/subgate/subgate/pkg/policy"
)

// Make loads the policy at policyPath and returns its bundle, made at created. A policy the loader
// refuses is refused with the loader's message (the file and the line); a list file name that
// cannot be stored (see the package documentation) is refused naming it.
//
// The policy and its list files are read once, and the index is prepared (policy.PrepareFrom) from
// exactly those bytes, so it always matches the files beside it in the bundle, even if a file on
// disk changes while the bundle is made.
func Make(policyPath string, created time.Time) ([]byte, error) {
	text, err := os.ReadFile(policyPath)
	if err != nil {
		return nil, fmt.Errorf("policy file: %w", err)
	}
	read := &recorder{dir: policy.Dir(filepath.Dir(policyPath)), read: map[string][]byte{}}
	p, err := policy.ParseFrom(text, policyPath, read)
	if err != nil {
		return nil, err
	}
	lists := map[string][]byte{}
	for _, name := range p.Files() {
		stored := path.Clean(name)
		if err := checkName(stored); err != nil {
			return nil, fmt.Errorf("policy %s: list file %q cannot be bundled: %w", policyPath, name, err)
		}
		lists[stored] = read.read[name]
	}
	names := []string{PolicyName, indexName}
	for name := range lists {
		names = append(names, name)
	}
	slices.Sort(names[2:])
	if len(names)+1 > MaxFiles {
		return nil, fmt.Errorf("policy %s: it names %d list files; a bundle holds at most %d files", policyPath, len(lists), MaxFiles)
	}
	index, err := prepare(text, lists)
	if err != nil {
		return nil, fmt.Errorf("policy %s: preparing the index: %w", policyPath, err)
	}
	files := [][]byte{text, index}
	for _, name := range names[2:] {
		files = append(files, lists[name])
	}
	c, err := newContent(names, files, created)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := c.write(&out); err != nil {
		return nil, err
	}
	if out.Len() > MaxSize {
		return nil, fmt.Errorf("policy %s: its bundle would be %d bytes; a bundle is at most %d (256 MiB)", policyPath, out.Len(), MaxSize)
	}
	return out.Bytes(), nil
}

// WriteFile makes the bundle of the policy at policyPath (see Make) and writes it to name: to a
// new file beside it, renamed over it when complete, so a reader never sees it half-written. When
// the policy is refused nothing is written. It returns the bundle as Read reads it back.
func WriteFile(name, policyPath string, created time.Time) (*Bundle, error) {
	data, err := Make(policyPath, created)
	if err != nil {
		return nil, err
	}
	b, err := Read(data)
	if err != nil {
		return nil, fmt.Errorf("the bundle made does not read back (a bug): %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return nil, err
	}
	_, err = tmp.Write(data)
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), name)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return nil, err
	}
	return b, nil
}

// checkName reports why a cleaned list file name cannot be stored in a bundle, or nil.
func checkName(name string) error {
	switch {
	case !utf8.ValidString(name):
		return errors.New("its name is not UTF-8")
	case strings.Contains(name, `\`):
		return errors.New(`name it with / between folders, not \`)
	case !fs.ValidPath(name) || name == ".":
		return errors.New("it must be in the policy's folder or below it (not an absolute path, no ..)")
	case name == PolicyName || name == indexName || name == ManifestName:
		return fmt.Errorf("the bundle keeps the name %s for itself", name)
	}
	return nil
}

// recorder reads list files from a folder for the policy loader and keeps what it read, by the
// name the policy gives, so the bundle holds the very bytes the policy was checked with.
type recorder struct {
	dir  policy.Dir
	read map[string][]byte
}

func (r *recorder) ReadFile(name string) ([]byte, error) {
	data, err := r.dir.ReadFile(name)
	if err == nil {
		r.read[name] = data
	}
	return data, err
}

// prepare returns the prepared index of the policy text with its list files (by stored name), read
// from memory by policy.PrepareFrom, the code `make package` runs.
func prepare(text []byte, lists map[string][]byte) ([]byte, error) {
	in := files{PolicyName: text}
	for name, data := range lists {
		in[name] = data
	}
	return policy.PrepareFrom(in, PolicyName)
}
