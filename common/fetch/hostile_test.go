package fetch_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"net/http"
	"testing"

	"flagsuite/common/fetch"
	"flagsuite/common/fetch/fetchtest"
)

// TestHostileServers is issue 16 §3's reproduction, one request each: a
// body that never ends, 100 MB without Content-Length, and a gzip bomb of
// 1 MB that inflates to 1 GiB. Each ends as an error naming the 1 MiB limit,
// after reading about that much.
func TestHostileServers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		h    http.Handler
	}{
		{"endless", fetchtest.Endless()},
		{"100 MB", fetchtest.Sized(100 << 20)},
		{"gzip bomb", fetchtest.GzipBomb(fetchtest.Bomb(1 << 30))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, tt.h)
			resp, err := fetch.New(fetch.Config{}).Get(context.Background(), srv.URL, nil)
			var tle *fetch.TooLargeError
			if !errors.As(err, &tle) || tle.Shared {
				t.Fatalf("Get = %v; want a *TooLargeError for the body limit", err)
			}
			if got, want := fetch.Describe(err), "body too large: over 1 MiB"; got != want {
				t.Errorf("Describe = %q; want %q", got, want)
			}
			if resp.Body != nil || resp.Attempts != 1 {
				t.Errorf("Body %d bytes, %d attempts; want none and 1 (too large is not retried)", len(resp.Body), resp.Attempts)
			}
		})
	}
}

// TestGzipBody: the client asks for gzip, as browsers and Python's requests
// do, and a gzipped body arrives decompressed.
func TestGzipBody(t *testing.T) {
	t.Parallel()
	image := bytes.Repeat([]byte("GIF89a"), 5000)
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(image)
	w.Close()
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept-Encoding") != "gzip" {
			http.Error(w, "ask for gzip", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(gz.Bytes())
	}))
	resp, err := fetch.New(fetch.Config{}).Get(context.Background(), srv.URL, nil)
	if err != nil || !bytes.Equal(resp.Body, image) {
		t.Errorf("Get = %d bytes, %v; want the %d bytes of the image, decompressed", len(resp.Body), err, len(image))
	}
}

// TestMaxBodySize: a body of exactly the limit passes, one byte more does
// not, with or without Content-Length.
func TestMaxBodySize(t *testing.T) {
	t.Parallel()
	const limit = 100 << 10
	for _, n := range []int64{limit, limit + 1} {
		for _, announced := range []bool{true, false} {
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if announced {
					w.Write(bytes.Repeat([]byte("x"), int(n)))
					return
				}
				fetchtest.Sized(n).ServeHTTP(w, r)
			}))
			resp, err := fetch.New(fetch.Config{MaxBodySize: limit}).Get(context.Background(), srv.URL, nil)
			switch {
			case n == limit && (err != nil || int64(len(resp.Body)) != n):
				t.Errorf("%d bytes (announced %v): Get = %d bytes, %v; want all of them", n, announced, len(resp.Body), err)
			case n > limit && fetch.Describe(err) != "body too large: over 102400 bytes":
				t.Errorf("%d bytes (announced %v): Get error = %v; want body too large: over 102400 bytes", n, announced, err)
			}
		}
	}
}
