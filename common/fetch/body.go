package fetch

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"

	"golang.org/x/sync/semaphore"
)

// Limits on what a body may cost, whatever the server sends.
const (
	// DefaultMaxBodySize caps one body, after decompression. The largest
	// flag is about 40 kB; 1 MiB leaves room for any real image while a
	// thousand lying servers cannot take the machine's memory.
	DefaultMaxBodySize = 1 << 20
	// DefaultMemoryBudget caps the bytes of all the bodies being read at
	// once, so -m 1000 against servers that all send too much costs this,
	// not a thousand times the body limit. It is raised to two bodies of
	// the limit when Config.MaxBodySize is larger.
	DefaultMemoryBudget = 16 << 20

	// firstBuffer is the buffer a body of unknown length starts with, and
	// the most a Content-Length can make the client set aside before the
	// bytes arrive: a server may announce a megabyte and send ten bytes.
	firstBuffer   = 16 << 10
	trustedLength = 64 << 10 // a Content-Length up to this sizes the first buffer exactly
)

// bodyReader reads whole bodies within the client's limits. The buffer of a
// body grows only as bytes arrive (doubling, so it is never more than twice
// what came), and every byte of buffer is taken from the shared budget
// first; a body that would pass its limit, or find the budget spent, ends
// at once with a *TooLargeError.
type bodyReader struct {
	limit  int64 // one body, decompressed
	budget *semaphore.Weighted
	total  int64        // the budget's size
	inUse  atomic.Int64 // taken from the budget, for tests to watch
}

func newBodyReader(limit, budget int64) *bodyReader {
	if limit <= 0 {
		limit = DefaultMaxBodySize
	}
	if budget <= 0 {
		budget = DefaultMemoryBudget
	}
	budget = max(budget, 2*limit)
	return &bodyReader{limit: limit, budget: semaphore.NewWeighted(budget), total: budget}
}

// read returns the whole body of res. A body the transport decompressed
// (the client asks for gzip, as browsers and Python's requests do) counts
// its decompressed bytes against the limit, so a gzip bomb stops at the
// limit too.
func (b *bodyReader) read(url string, res *http.Response) ([]byte, error) {
	want := res.ContentLength // -1 when unknown, or decompressed by the transport
	if want > b.limit {
		return nil, &TooLargeError{URL: url, Limit: b.limit}
	}
	size := int64(firstBuffer)
	if want >= 0 && want <= trustedLength {
		size = want
	}
	var held int64 // bytes of buffer taken from the budget
	take := func(n int64) error {
		if !b.budget.TryAcquire(n) {
			return &TooLargeError{URL: url, Limit: b.total, Shared: true}
		}
		held += n
		b.inUse.Add(n)
		return nil
	}
	give := func(n int64) {
		b.budget.Release(n)
		held -= n
		b.inUse.Add(-n)
	}
	defer func() { give(held) }()

	if err := take(size); err != nil {
		return nil, err
	}
	buf := make([]byte, 0, size)
	for {
		if len(buf) == cap(buf) {
			// Full: the end of the body, or time to grow. One byte more
			// tells which without growing for nothing.
			var probe [1]byte
			n, err := io.ReadFull(res.Body, probe[:])
			if n == 0 {
				return b.finish(url, buf, want, err)
			}
			if int64(len(buf)) >= b.limit {
				return nil, &TooLargeError{URL: url, Limit: b.limit}
			}
			grown := min(max(2*int64(cap(buf)), 512), b.limit)
			if err := take(grown); err != nil {
				return nil, err
			}
			next := make([]byte, len(buf), grown)
			copy(next, buf)
			give(int64(cap(buf))) // the old buffer is garbage now
			buf = append(next, probe[0])
			continue
		}
		n, err := res.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			return b.finish(url, buf, want, err)
		}
	}
}

// finish checks a body that ended with err (io.EOF when it ended well)
// against its Content-Length.
func (b *bodyReader) finish(url string, buf []byte, want int64, err error) ([]byte, error) {
	got := int64(len(buf))
	switch {
	case want >= 0 && got < want && (err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF)):
		// net/http reports a short body as io.ErrUnexpectedEOF; say how short.
		return nil, &TruncatedError{URL: url, Got: got, Want: want}
	case err != nil && err != io.EOF:
		return nil, fmt.Errorf("get %s: reading body: %w", url, err)
	}
	return buf, nil
}
