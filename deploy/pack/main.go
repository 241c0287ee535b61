// Command pack writes a deployment zip: executables with their executable bit, other files, and
// optionally a policy (checked first) as policy.yaml with the list files it names beside it, and
// the policy's prepared index as policy.yaml.index (policy.Prepare): the function then reads its
// lists from the index at start instead of parsing them.
// With -dir it also lays the same files out in a folder, for deploy tools that take a folder.
// It needs no zip or unzip program, so `make package` works on a machine without them.
//
//	go run ./deploy/pack -o dist/scf.zip -dir dist/scf -x main=dist/scf/main -policy deploy/policy.example.yaml
package main

import (
	"archive/zip"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/subgate/subgate/pkg/policy"
)

// entry is one file of the zip: its name in the zip, where to read it (or its data), and its mode.
type entry struct {
	name, src string
	data      []byte
	mode      fs.FileMode
}

func (e entry) read() ([]byte, error) {
	if e.data != nil {
		return e.data, nil
	}
	return os.ReadFile(e.src)
}

type entries struct {
	list *[]entry
	mode fs.FileMode
}

func (e entries) String() string { return "" }

func (e entries) Set(v string) error {
	name, src, ok := strings.Cut(v, "=")
	if !ok || name == "" || src == "" {
		return fmt.Errorf("want NAME=PATH, not %q", v)
	}
	*e.list = append(*e.list, entry{name: name, src: src, mode: e.mode})
	return nil
}

func main() {
	var files []entry
	out := flag.String("o", "", "the zip to write")
	dir := flag.String("dir", "", "a folder to write the same files into")
	policyFile := flag.String("policy", "", "a policy file to check and add as policy.yaml, with its list files")
	flag.Var(entries{&files, 0o755}, "x", "NAME=PATH: an executable to add (repeatable)")
	flag.Var(entries{&files, 0o644}, "f", "NAME=PATH: a file to add (repeatable)")
	flag.Parse()
	if *out == "" {
		fail(errors.New("-o is required"))
	}
	if *policyFile != "" {
		withPolicy, err := policyEntries(*policyFile)
		if err != nil {
			fail(err)
		}
		files = append(files, withPolicy...)
		index, err := indexEntry(*policyFile)
		if err != nil {
			fail(err)
		}
		files = append(files, index)
	}
	if err := write(*out, files); err != nil {
		fail(err)
	}
	if *dir != "" {
		if err := lay(*dir, files); err != nil {
			fail(err)
		}
	}
}

// lay writes the files into dir with their modes, leaving a file that is already in place alone.
// Each file is replaced by a rename, never rewritten in place.
func lay(dir string, files []entry) error {
	for _, e := range files {
		dst := filepath.Join(dir, filepath.FromSlash(e.name))
		if same, _ := sameFile(e.src, dst); e.data == nil && same {
			if err := os.Chmod(dst, e.mode); err != nil {
				return err
			}
			continue
		}
		data, err := e.read()
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := replaceFile(dst, data, e.mode); err != nil {
			return err
		}
	}
	return nil
}

// replaceFile writes a new file beside dst and renames it over dst, so a process that has the old
// file open or mapped (a server running from the folder maps policy.yaml.index) keeps reading the
// old file whole instead of seeing it cut short.
func replaceFile(dst string, data []byte, mode fs.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), mode)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dst)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
	}
	return err
}

func sameFile(a, b string) (bool, error) {
	ia, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	ib, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(ia, ib), nil
}

// policyEntries checks the policy by loading it, then lists it and its list files for the zip,
// at the same places relative to each other, so SUBGATE_POLICY_FILE=policy.yaml finds them.
func policyEntries(file string) ([]entry, error) {
	p, err := policy.Load(file)
	if err != nil {
		return nil, err
	}
	list := []entry{{name: "policy.yaml", src: file, mode: 0o644}}
	for _, f := range p.Files() {
		name := path.Clean(filepath.ToSlash(f))
		if filepath.IsAbs(f) || name == ".." || strings.HasPrefix(name, "../") {
			return nil, fmt.Errorf("policy %s: list file %s must be in the policy's folder or below it to be packaged", file, f)
		}
		list = append(list, entry{name: name, src: filepath.Join(filepath.Dir(file), f), mode: 0o644})
	}
	return list, nil
}

// indexEntry is the policy's prepared index, packed beside it as policy.yaml.index.
func indexEntry(file string) (entry, error) {
	index, err := policy.Prepare(file)
	if err != nil {
		return entry{}, err
	}
	return entry{name: "policy.yaml" + policy.IndexSuffix, data: index, mode: 0o644}, nil
}

func write(out string, files []entry) error {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	for _, e := range files {
		data, err := e.read()
		if err != nil {
			f.Close()
			return err
		}
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		h.SetMode(e.mode)
		w, err := zw.CreateHeader(h)
		if err == nil {
			_, err = w.Write(data)
		}
		if err != nil {
			f.Close()
			return fmt.Errorf("%s: %w", e.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "pack:", err)
	os.Exit(1)
}
