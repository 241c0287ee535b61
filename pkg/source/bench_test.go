package source

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/workload"
	"github.com/subgate/subgate/pkg/bundle"
	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/policy"
)

// BenchmarkCurrent is what a request pays to learn its policy: a static source's field, and a
// live source's warm path (an atomic load and a clock reading), alone and from every core.
func BenchmarkCurrent(b *testing.B) {
	static, err := New(config.Config{PolicyFile: "testdata/policy.yaml"}, slog.New(slog.DiscardHandler))
	require.NoError(b, err)

	data, err := bundle.Make("testdata/policy.yaml", time.Now())
	require.NoError(b, err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		http.ServeContent(w, r, "policy.bundle", time.Time{}, bytes.NewReader(data))
	}))
	defer srv.Close()
	live, err := New(config.Config{PolicyURL: srv.URL + "/policy.bundle"}, slog.New(slog.DiscardHandler))
	require.NoError(b, err)
	_, err = live.Current(context.Background()) // the first load
	require.NoError(b, err)

	for _, c := range []struct {
		name string
		src  *Source
	}{{"Static", static}, {"LiveWarm", live}} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				if _, err := c.src.Current(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"Parallel", func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				for pb.Next() {
					if _, err := c.src.Current(ctx); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkStartWithFile is what a function without a policy URL pays at start for its policy:
// loading the file of a 100,000-entry list from its prepared index (policy.Load alone) beside New,
// which also finds the file and computes its revision (reading and hashing the list file).
func BenchmarkStartWithFile(b *testing.B) {
	path, _, err := workload.WritePolicies(b.TempDir())
	require.NoError(b, err)
	index, err := policy.Prepare(path)
	require.NoError(b, err)
	require.NoError(b, os.WriteFile(path+policy.IndexSuffix, index, 0o644))
	cfg := config.Config{PolicyFile: path}
	b.Run("LoadPolicy", func(b *testing.B) {
		for b.Loop() {
			if _, err := policy.Load(path); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("New", func(b *testing.B) {
		for b.Loop() {
			if _, err := New(cfg, slog.New(slog.DiscardHandler)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
