package fetch_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"flagsuite/common/fetch"
)

func ExampleClient_Get() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/flags/br/br.gif" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, "GIF89a…")
	}))
	defer srv.Close()

	client := fetch.New(fetch.Config{Concurrency: 2, Retries: 1})
	defer client.CloseIdle()
	gate := fetch.Semaphore(2) // at most 2 requests in flight

	for _, cc := range []string{"br", "xz"} {
		resp, err := client.Get(context.Background(), srv.URL+"/flags/"+cc+"/"+cc+".gif", gate)
		switch {
		case fetch.IsNotFound(err):
			fmt.Println(cc, "not found")
		case err != nil:
			fmt.Println(cc, "error:", fetch.Describe(err))
		default:
			fmt.Printf("%s OK: %d bytes after %d attempt(s)\n", cc, len(resp.Body), resp.Attempts)
		}
	}
	// Output:
	// br OK: 9 bytes after 1 attempt(s)
	// xz not found
}
