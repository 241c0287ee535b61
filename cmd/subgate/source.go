package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/subgate/subgate/pkg/bundle"
	"github.com/subgate/subgate/pkg/policy"
)

// A POLICY argument is a policy file, with the list files it names and its prepared index beside
// it, or a bundle (subgate bundle's output): the two forms a function decides by.

// zipMagic starts every zip file, and so every bundle; no policy (YAML or JSON text) starts so.
var zipMagic = []byte("PK\x03\x04")

// isBundle reports whether the file at path starts as a bundle does.
func isBundle(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, fmt.Errorf("policy file: %w", err)
	}
	defer f.Close()
	head := make([]byte, len(zipMagic))
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return false, fmt.Errorf("policy file: %w", err)
	}
	return bytes.Equal(head[:n], zipMagic), nil
}

// readBundle reads and verifies the bundle at path.
func readBundle(path string) (*bundle.Bundle, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("policy file: %w", err)
	}
	b, err := bundle.Read(data)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", path, err)
	}
	return b, nil
}

// loadPolicy loads the policy at path as a function loads it: a policy file with policy.Load (from
// its prepared index when one beside it matches), a bundle as the function verifies and loads a
// fetched one.
func loadPolicy(path string) (*policy.Policy, error) {
	isB, err := isBundle(path)
	if err != nil {
		return nil, err
	}
	if !isB {
		return policy.Load(path)
	}
	b, err := readBundle(path)
	if err != nil {
		return nil, err
	}
	p, err := b.Load()
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", path, err)
	}
	return p, nil
}

// checkPolicy is policy.Check of the policy at path, as of now; a bundle's files are named as the
// bundle names them (policy.yaml, and the list files as the policy names them).
func checkPolicy(path string, now time.Time) (*policy.Report, error) {
	isB, err := isBundle(path)
	if err != nil {
		return nil, err
	}
	if !isB {
		return policy.Check(path, now)
	}
	b, err := readBundle(path)
	if err != nil {
		return nil, err
	}
	r, err := policy.CheckFrom(b.Files(), bundle.PolicyName, now)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", path, err)
	}
	return r, nil
}
