package fetch

import (
	"context"
	"time"
)

// Trace is a set of hooks that see what Get does with one request, in the
// manner of net/http/httptrace.ClientTrace: put one in the request's
// context with WithTrace. Any hook may be nil; a context without a Trace
// observes nothing and costs one context lookup per Get.
//
// Hooks run on the goroutine that called Get, in the order the things
// happen: AttemptStart and AttemptDone while the gate is held, BackoffStart
// and BackoffDone between two attempts while it is not. They must not block.
type Trace struct {
	// AttemptStart is called when attempt n (from 1) of url has passed the
	// gate, just before the request is sent; at is when its time began.
	AttemptStart func(url string, n int, at time.Time)
	// AttemptDone is called when that attempt has ended, before the gate is
	// released.
	AttemptDone func(a Attempt)
	// BackoffStart is called when Get waits wait before attempt next.
	BackoffStart func(url string, next int, wait time.Duration)
	// BackoffDone is called when that wait is over, or cut short by a
	// cancelled context.
	BackoffDone func(url string)
}

// Attempt is what one attempt of Get did.
type Attempt struct {
	URL     string
	N       int           // from 1
	Start   time.Time     // when it passed the gate
	Latency time.Duration // from Start to the last byte, or the failure
	Status  int           // 0 when no answer came
	Bytes   int           // body bytes kept (a 200's body), 0 otherwise
	// NewConns and Reused say how the request got its connection: usually
	// one new or one reused; no connection at all when dialling failed,
	// and rarely more than one when the transport retried on a fresh one.
	NewConns int
	Reused   bool
	// TTFB is the time from Start to the first byte of the answer; 0 when
	// none came.
	TTFB time.Duration
	Err  error // nil when the answer was a complete 200
}

type traceKey struct{}

// WithTrace returns a context whose Get calls report to t.
func WithTrace(ctx context.Context, t *Trace) context.Context {
	return context.WithValue(ctx, traceKey{}, t)
}

func traceFrom(ctx context.Context) *Trace {
	t, _ := ctx.Value(traceKey{}).(*Trace)
	return t
}
