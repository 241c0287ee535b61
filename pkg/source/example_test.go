package source_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/subgate/subgate/pkg/bundle"
	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/source"
)

// A static source: the policy file, loaded once, named by the revision its bundle would have.
func Example() {
	s, err := source.New(config.Config{PolicyFile: "testdata/policy.yaml"}, slog.New(slog.DiscardHandler))
	if err != nil {
		fmt.Println(err)
		return
	}
	a, err := s.Current(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.Revision, a.Origin)
	fmt.Println("refused:", a.Policy.Decide("@TOA#_news", "107867", []string{"bot_7", "reader"}).Refused)
	// Output:
	// 28c299827a1e testdata/policy.yaml
	// refused: [bot_7]
}

// A live source: the first request waits for the bundle (at most the fetch timeout; the file is
// the fallback if it does not come); later requests are answered at once, and one of them starts
// a refresh when the interval has passed. The gate asks it for the policy of every request.
func Example_live() {
	data, err := bundle.Make("testdata/policy.yaml", time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	if err != nil {
		fmt.Println(err)
		return
	}
	store := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		http.ServeContent(w, r, "policy.bundle", time.Time{}, bytes.NewReader(data))
	}))
	defer store.Close()

	env := map[string]string{
		config.EnvSdkAppID:   "1400000001",
		config.EnvPolicyURL:  store.URL + "/policy.bundle?X-Amz-Signature=presigned-secret",
		config.EnvPolicyFile: "testdata/policy.yaml",
	}
	cfg, err := config.FromEnv(func(name string) string { return env[name] })
	if err != nil {
		fmt.Println(err)
		return
	}
	s, err := source.New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		fmt.Println(err)
		return
	}
	a, err := s.Current(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	// The bundle of the file decides (from the store, whose URL's query is never shown), and it
	// has the file's revision: the same rules.
	fmt.Println(a.Revision, strings.HasPrefix(a.Origin, store.URL), strings.Contains(a.Origin, "secret"))
	// Output: 28c299827a1e true false
}
