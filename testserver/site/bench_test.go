package site

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"flagsuite/testserver/dataset"
)

// discard is a ResponseWriter that keeps nothing, so the benchmark measures
// the handler rather than a recorder.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

func BenchmarkServeGIF(b *testing.B) {
	s := New(Config{})
	r := httptest.NewRequest("GET", "/flags/br/br.gif", nil)
	w := &discard{h: http.Header{}}
	b.SetBytes(int64(len(dataset.GIF("br"))))
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		s.ServeHTTP(w, r)
	}
}
