package fetch_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"flagsuite/common/fetch"
)

// BenchmarkGet fetches a flag-sized body (12 KB, the average of the data
// set) from a loopback server over a reused connection.
func BenchmarkGet(b *testing.B) {
	body := bytes.Repeat([]byte("G"), 12<<10)
	srv := newServer(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
	c := fetch.New(fetch.Config{Concurrency: 1})
	defer c.CloseIdle()
	ctx := context.Background()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Get(ctx, srv.URL+"/flags/br/br.gif", fetch.NoGate); err != nil {
			b.Fatal(err)
		}
	}
}
