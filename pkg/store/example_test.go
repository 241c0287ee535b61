package store_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/subgate/subgate/pkg/store"
)

// A Fetcher is made once from the settings; each refresh is one conditional GET with the ETag of
// the bundle the function has.
func ExampleFetcher_Fetch() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		http.ServeContent(w, r, "policy.bundle", time.Time{}, strings.NewReader("the bundle's bytes"))
	}))
	defer srv.Close()

	f, err := store.New(store.Settings{URL: srv.URL + "/policy.bundle"})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	first, err := f.Fetch(ctx, "")
	fmt.Printf("%q %s %v\n", first.Body, first.ETag, err)
	again, err := f.Fetch(ctx, first.ETag)
	fmt.Println("not modified:", again.NotModified, err)

	_, err = store.New(store.Settings{URL: "s3://subgate-1250000000/policy.bundle", Region: "ap-guangzhou", Endpoint: "http://cos.ap-guangzhou.myqcloud.com"})
	fmt.Println(err)
	// Output:
	// "the bundle's bytes" "v1" <nil>
	// not modified: true <nil>
	// SUBGATE_S3_ENDPOINT must use https:// (plain http is allowed only to a loopback host), not "http://cos.ap-guangzhou.myqcloud.com"
}

// On SCF the function role's keys arrive in each invocation's environment: EnvCredentials reads
// them when a fetch needs them.
func ExampleEnvCredentials() {
	env := map[string]string{"TENCENTCLOUD_SECRETID": "AKIDEXAMPLE", "TENCENTCLOUD_SECRETKEY": "example-key", "TENCENTCLOUD_SESSIONTOKEN": "example-token"}
	creds, err := store.EnvCredentials(func(name string) string { return env[name] })()
	fmt.Println(creds.AccessKeyID, creds.SessionToken != "", err)
	// Output: AKIDEXAMPLE true <nil>
}
