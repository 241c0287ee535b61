// Command pack writes a deployment zip: executables with their executable bit, other files, and
// optionally a policy (checked first) as policy.yaml with the list files it names beside it, and
// the policy's prepared index as policy.yaml.index (policy.Prepare): the function then reads its
// lists from the index at start instead of parsing them.
// With -dir it also lays the same files out in a folder, for deploy tools that take a folder.
// With -check it only checks the policy (make package does, before compiling anything).
//
// The zip and the folder are each written beside their final place and renamed into it when
// complete, so a failed run leaves the previous ones as they were, never half written. Every entry
// of the zip carries the same date (zipDate), so a zip's bytes depend only on what it holds.
// It needs no zip or unzip program, so `make package` works on a machine without them.
//
//	go run ./deploy/pack -check -policy deploy/policy.example.yaml
//	go run ./deploy/pack -o dist/scf.zip -dir dist/scf -x main=bin/linux_amd64/scf -policy deploy/policy.example.yaml
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
	"time"

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
	dir := flag.String("dir", "", "a folder to write the same files into, replacing it whole")
	policyFile := flag.String("policy", "", "a policy file to check and add as policy.yaml, with its list files")
	check := flag.Bool("check", false, "only check the policy (-policy): load it and prepare its index, and write nothing")
	flag.Var(entries{&files, 0o755}, "x", "NAME=PATH: an executable to add (repeatable)")
	flag.Var(entries{&files, 0o644}, "f", "NAME=PATH: a file to add (repeatable)")
	flag.Parse()
	if *check {
		if *policyFile == "" {
			fail(errors.New("-check needs -policy"))
		}
		if _, err := policyEntries(*policyFile); err != nil {
			fail(err)
		}
		if _, err := indexEntry(*policyFile); err != nil {
			fail(err)
		}
		return
	}
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

// zipDate is the date of every zip entry: 2000-01-01 00:00 UTC. It is a valid MS-DOS date (the
// one a zip entry carries; Go also writes it in UTC in the entry's extended timestamp) that every
// unzip reads, and far enough from 1980-01-01, the first date a zip can hold, that no time zone
// turns it into a date before it: a tool that re-zips the unpacked files would refuse those.
var zipDate = time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)

// lay writes the files, with their modes, into a new folder beside dir, then puts that folder in
// dir's place: dir holds exactly these files afterwards, and is never seen half written. Files of
// the old folder that a process holds open stay whole for it.
func lay(dir string, files []entry) error {
	dir = filepath.Clean(dir)
	parent, base := filepath.Dir(dir), filepath.Base(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+base+".new-")
	if err != nil {
		return err
	}
	if err := fill(tmp, files); err != nil {
		_ = os.RemoveAll(tmp)
		return err
	}
	if err := replaceDir(dir, tmp); err != nil {
		_ = os.RemoveAll(tmp)
		return err
	}
	return nil
}

// fill writes the files into the empty folder dir.
func fill(dir string, files []entry) error {
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	for _, e := range files {
		data, err := e.read()
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(e.name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, data, e.mode); err != nil {
			return err
		}
		if err := os.Chmod(dst, e.mode); err != nil { // whatever the umask
			return err
		}
	}
	return nil
}

// replaceDir puts the folder next in dir's place: the old folder, if any, is moved aside, next is
// renamed to dir, and the old one is removed. When the second rename fails the old folder is put back.
func replaceDir(dir, next string) error {
	info, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return os.Rename(next, dir)
	case err != nil:
		return err
	case !info.IsDir():
		return fmt.Errorf("%s is not a folder", dir)
	}
	old := next + ".old"
	if err := os.Rename(dir, old); err != nil {
		return err
	}
	if err := os.Rename(next, dir); err != nil {
		if back := os.Rename(old, dir); back != nil {
			return fmt.Errorf("%w (and the old %s is left at %s: %v)", err, dir, old, back)
		}
		return err
	}
	return os.RemoveAll(old)
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

// write writes the zip into a new file beside out and renames it to out when complete.
func write(out string, files []entry) error {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".new-*")
	if err != nil {
		return err
	}
	err = writeZip(f, files)
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), out)
	}
	if err != nil {
		_ = os.Remove(f.Name())
	}
	return err
}

func writeZip(f *os.File, files []entry) error {
	zw := zip.NewWriter(f)
	for _, e := range files {
		data, err := e.read()
		if err != nil {
			return err
		}
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: zipDate}
		h.SetMode(e.mode)
		w, err := zw.CreateHeader(h)
		if err == nil {
			_, err = w.Write(data)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", e.name, err)
		}
	}
	return zw.Close()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "pack:", err)
	os.Exit(1)
}
