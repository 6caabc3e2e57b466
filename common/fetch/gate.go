package fetch

import (
	"context"
	"fmt"

	"golang.org/x/sync/semaphore"
)

// Gate limits how many requests are in flight. Get holds it around each
// attempt only and releases it while backing off, so a request that waits
// to retry never holds a slot another request could use.
type Gate interface {
	// Acquire takes a slot, waiting for one to free up; it returns ctx's
	// error, having taken nothing, if ctx is done first.
	Acquire(ctx context.Context) error
	// Release frees a slot taken by a successful Acquire.
	Release()
}

// NoGate lets every request through at once. Use it when something else
// bounds the concurrency, such as a fixed pool of workers.
var NoGate Gate = noGate{}

type noGate struct{}

func (noGate) Acquire(ctx context.Context) error { return ctx.Err() }
func (noGate) Release()                          {}

// Semaphore returns a Gate that lets at most n requests through at a time,
// backed by golang.org/x/sync/semaphore. n must be at least 1: a gate that
// never opens would only hang its caller, so Semaphore panics instead.
func Semaphore(n int64) Gate {
	if n < 1 {
		panic(fmt.Sprintf("fetch.Semaphore(%d): the weight must be at least 1", n))
	}
	return weighted{semaphore.NewWeighted(n)}
}

type weighted struct{ w *semaphore.Weighted }

func (g weighted) Acquire(ctx context.Context) error { return g.w.Acquire(ctx, 1) }
func (g weighted) Release()                          { g.w.Release(1) }
