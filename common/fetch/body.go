package fetch

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
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

	// chunkSize is the unit a body of unknown (or large) length is read
	// in, and so the most a Content-Length can make the client set aside
	// before the bytes arrive: a server may announce a megabyte and send
	// ten bytes.
	chunkSize = 32 << 10
	// trustedLength is the largest Content-Length read straight into one
	// buffer of that size, as every flag is.
	trustedLength = 64 << 10
)

// chunks recycles the chunks of bodies: a body that fails (too large, cut
// short) gives its chunks back, so a thousand hostile answers reuse the same
// few megabytes instead of leaving a gigabyte of garbage behind.
var chunks = sync.Pool{New: func() any { return new([chunkSize]byte) }}

// bodyReader reads whole bodies within the client's limits. A body whose
// length is known and small is read into one buffer of that size; any other
// is read in chunks as its bytes arrive, then copied into one buffer of its
// exact size once it has ended within the limit. Every byte of buffer is
// taken from the shared budget first; a body that would pass its limit, or
// find the budget spent, ends at once with a *TooLargeError.
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

// take reserves n bytes of the budget for a body of url.
func (b *bodyReader) take(url string, n int64) error {
	if !b.budget.TryAcquire(n) {
		return &TooLargeError{URL: url, Limit: b.total, Shared: true}
	}
	b.inUse.Add(n)
	return nil
}

func (b *bodyReader) give(n int64) {
	b.budget.Release(n)
	b.inUse.Add(-n)
}

// read returns the whole body of res. A body the transport decompressed
// (the client asks for gzip, as browsers and Python's requests do) counts
// its decompressed bytes against the limit, so a gzip bomb stops at the
// limit too.
func (b *bodyReader) read(url string, res *http.Response) ([]byte, error) {
	want := res.ContentLength // -1 when unknown, or decompressed by the transport
	switch {
	case want > b.limit:
		return nil, &TooLargeError{URL: url, Limit: b.limit}
	case want >= 0 && want <= trustedLength:
		return b.readKnown(url, res.Body, want)
	}
	return b.readChunks(url, res.Body, want)
}

// readKnown reads a body of a small, known length into one buffer of that
// size.
func (b *bodyReader) readKnown(url string, body io.Reader, want int64) ([]byte, error) {
	if err := b.take(url, want); err != nil {
		return nil, err
	}
	defer b.give(want)
	buf := make([]byte, want)
	n, err := io.ReadFull(body, buf)
	if err == nil {
		// net/http stops at Content-Length; reading on lets it see the end
		// and reuse the connection.
		var probe [1]byte
		_, err = body.Read(probe[:])
	}
	if err := ended(url, int64(n), want, err); err != nil {
		return nil, err
	}
	return buf, nil
}

// readChunks reads a body of unknown or large length chunk by chunk.
func (b *bodyReader) readChunks(url string, body io.Reader, want int64) ([]byte, error) {
	var (
		parts []*[chunkSize]byte
		last  int   // bytes in the last part
		total int64 // bytes in all parts
	)
	defer func() {
		for _, p := range parts {
			chunks.Put(p)
		}
		b.give(int64(len(parts)) * chunkSize)
	}()
	for {
		if total >= b.limit {
			// Full up to the limit: one byte more says whether the body
			// ends here.
			var probe [1]byte
			n, err := io.ReadFull(body, probe[:])
			if n > 0 {
				return nil, &TooLargeError{URL: url, Limit: b.limit}
			}
			return b.join(url, parts, total, want, err)
		}
		if len(parts) == 0 || last == chunkSize {
			if err := b.take(url, chunkSize); err != nil {
				return nil, err
			}
			parts, last = append(parts, chunks.Get().(*[chunkSize]byte)), 0
		}
		room := min(chunkSize-last, int(b.limit-total)) // never read past the limit
		n, err := body.Read(parts[len(parts)-1][last : last+room])
		last += n
		total += int64(n)
		if err != nil {
			return b.join(url, parts, total, want, err)
		}
	}
}

// join copies the parts of a body that has ended with err into one buffer
// of its size.
func (b *bodyReader) join(url string, parts []*[chunkSize]byte, total, want int64, err error) ([]byte, error) {
	if err := ended(url, total, want, err); err != nil {
		return nil, err
	}
	buf := make([]byte, 0, total)
	for _, p := range parts {
		buf = append(buf, p[:min(chunkSize, int(total-int64(len(buf))))]...)
	}
	return buf, nil
}

// ended checks a body of got bytes that ended with err (io.EOF when it
// ended well) against its Content-Length, want (-1 if unknown).
func ended(url string, got, want int64, err error) error {
	switch {
	case want >= 0 && got < want && (err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF)):
		// net/http reports a short body as io.ErrUnexpectedEOF; say how short.
		return &TruncatedError{URL: url, Got: got, Want: want}
	case err != nil && err != io.EOF:
		return fmt.Errorf("get %s: reading body: %w", url, err)
	}
	return nil
}
