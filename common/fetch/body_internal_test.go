package fetch

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"testing"
)

// watched is a body that hands out size bytes, step at a time, and lets
// the test look at the reader's budget before each Read.
type watched struct {
	size, step, sent int64
	look             func(sent int64)
}

func (w *watched) Read(p []byte) (int, error) {
	w.look(w.sent)
	if w.sent >= w.size {
		return 0, io.EOF
	}
	n := min(int64(len(p)), w.step, w.size-w.sent)
	w.sent += n
	return int(n), nil
}

func response(body io.Reader, contentLength int64) *http.Response {
	return &http.Response{StatusCode: 200, Body: io.NopCloser(body), ContentLength: contentLength}
}

// TestBufferFollowsArrival: the buffer of a long body is never more than
// what has arrived and one chunk, however long the body.
func TestBufferFollowsArrival(t *testing.T) {
	t.Parallel()
	b := newBodyReader(1<<20, 0)
	peak := int64(0)
	body := &watched{size: 100 << 20, step: 1000, look: func(sent int64) {
		held := b.inUse.Load()
		peak = max(peak, held)
		if held > sent+chunkSize {
			t.Fatalf("%d bytes of buffer after %d arrived; want at most one chunk more", held, sent)
		}
	}}
	_, err := b.read("u", response(body, -1))
	var tle *TooLargeError
	if !errors.As(err, &tle) || tle.Limit != 1<<20 {
		t.Fatalf("read = %v; want too large, over 1 MiB", err)
	}
	if body.sent > 1<<20+1000 || peak > 1<<20 || b.inUse.Load() != 0 {
		t.Errorf("read %d bytes, peak buffer %d, %d still held; want at most 1 MiB read and held, none after",
			body.sent, peak, b.inUse.Load())
	}
}

// TestLyingContentLength: a Content-Length of a megabyte followed by ten
// bytes sets aside no more than the first buffer.
func TestLyingContentLength(t *testing.T) {
	t.Parallel()
	b := newBodyReader(1<<20, 0)
	body := &watched{size: 10, step: 10, look: func(int64) {
		if held := b.inUse.Load(); held > chunkSize {
			t.Fatalf("%d bytes set aside for a body that has sent nothing yet; want at most %d", held, chunkSize)
		}
	}}
	_, err := b.read("u", response(body, 1_000_000))
	var tre *TruncatedError
	if !errors.As(err, &tre) || tre.Got != 10 || tre.Want != 1_000_000 {
		t.Errorf("read = %v; want truncated: 10 of 1000000 bytes", err)
	}
}

// TestSharedBudget: two bodies being read hold more than half the budget;
// a third that keeps growing finds the rest too small before it reaches the
// body limit and fails at once, naming the shared limit; the two then
// finish whole.
func TestSharedBudget(t *testing.T) {
	t.Parallel()
	const limit = 1 << 20
	b := newBodyReader(limit, 2*limit)
	type result struct {
		body []byte
		err  error
	}
	var writers []*io.PipeWriter
	results := make(chan result, 2)
	// Each body holds 19 chunks (608 KiB) of the 2 MiB budget; what is
	// left is less than the 1 MiB a body needs to reach the body limit.
	part := bytes.Repeat([]byte("x"), 600<<10)
	for range 2 {
		r, w := io.Pipe()
		writers = append(writers, w)
		go func() {
			body, err := b.read("u", response(r, -1))
			r.CloseWithError(io.ErrClosedPipe) // a failed read must not leave the writer blocked
			results <- result{body, err}
		}()
		if _, err := w.Write(part); err != nil { // returns once read in full
			t.Fatal(err)
		}
	}
	endless := &watched{size: 1 << 30, step: 4096, look: func(int64) {}}
	_, err := b.read("u", response(endless, -1))
	var tle *TooLargeError
	if !errors.As(err, &tle) || !tle.Shared || tle.Error() != "body too large: bodies in flight over 2 MiB" {
		t.Errorf("third body: %v; want the shared budget's error", err)
	}
	for _, w := range writers {
		w.Close()
	}
	for range 2 {
		if r := <-results; r.err != nil || len(r.body) != len(part) {
			t.Errorf("body in flight: %d bytes, %v; want all %d", len(r.body), r.err, len(part))
		}
	}
	if n := b.inUse.Load(); n != 0 {
		t.Errorf("%d bytes still held after every body ended; want 0", n)
	}
}
