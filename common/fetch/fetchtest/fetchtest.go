// Package fetchtest provides hostile HTTP handlers, for tests and
// benchmarks of the client's limits: a body that never ends, a large body
// without Content-Length, and a gzip bomb.
package fetchtest

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strconv"
)

// chunk is what the handlers write at a time.
var chunk = bytes.Repeat([]byte("GIF89a flag "), 32<<10/12)

// Endless answers 200 with a body that goes on until the client hangs up,
// with no Content-Length (chunked). So that a broken client cannot keep a
// test busy forever, it stops after 16 GiB.
func Endless() http.Handler { return Sized(16 << 30) }

// Sized answers 200 with a body of n bytes sent without Content-Length
// (chunked), ending early if the client hangs up.
func Sized(n int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/gif")
		for sent := int64(0); sent < n; {
			part := chunk[:min(int64(len(chunk)), n-sent)]
			if _, err := w.Write(part); err != nil {
				return
			}
			sent += int64(len(part))
		}
	})
}

// Bomb returns a gzip stream that inflates to size bytes of zeros (rounded
// up to MiB): about a thousandth of size. It is size/MiB gzip members of
// one MiB each, which every gzip reader, Go's included, reads as one
// stream; making it costs milliseconds where compressing size bytes would
// cost seconds.
func Bomb(size int64) []byte {
	var one bytes.Buffer
	w, _ := gzip.NewWriterLevel(&one, gzip.BestCompression)
	w.Write(make([]byte, 1<<20))
	w.Close()
	members := (size + 1<<20 - 1) >> 20
	return bytes.Repeat(one.Bytes(), int(members))
}

// GzipBomb answers 200 with bomb as the body, declared as
// "Content-Encoding: gzip" with its (compressed) Content-Length, whether
// or not the client asked for gzip.
func GzipBomb(bomb []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/gif")
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Length", strconv.Itoa(len(bomb)))
		w.Write(bomb)
	})
}
