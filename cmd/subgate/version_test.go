package main

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/subgate/subgate/internal/version"
)

func TestVersion(t *testing.T) {
	want := result{stdout: version.Line() + "\n"}
	assert.Equal(t, want, subgate(t, nil, "version"))
	assert.Equal(t, want, subgate(t, nil, "-version"), "as every subgate binary's -version")
	assert.Equal(t, want, subgate(t, nil, "--version"))
}
