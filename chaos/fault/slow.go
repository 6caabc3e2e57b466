package fault

import (
	"context"
	"io"
	"time"
)

var slowKind = &Kind{
	Name:     "slow",
	Protocol: HTTP,
	Usage:    "throttle the response to a number of bytes per second",
	Options: []Option{
		{"rate", "10k", "bytes per second: 512, 10k, 1M", ""},
	},
	newHTTP: func(o *options) HTTPFault { return &Slow{Rate: o.positiveSize("rate")} },
}

// Slow throttles the whole response, head and body, to Rate bytes/s.
type Slow struct {
	Rate int64
}

// Serve implements HTTPFault.
func (s *Slow) Serve(ctx context.Context, x Exchange, next Handler) error {
	x.WrapWriter(func(w io.Writer) io.Writer { return NewThrottle(ctx, w, s.Rate) })
	return next(ctx, x)
}

// Throttle is a writer that paces what it writes to a rate, in slices of a
// tenth of a second's worth of bytes.
type Throttle struct {
	ctx   context.Context
	w     io.Writer
	rate  int64
	start time.Time
	sent  int64
}

// NewThrottle paces writes to w at rate bytes per second until ctx ends.
func NewThrottle(ctx context.Context, w io.Writer, rate int64) *Throttle {
	return &Throttle{ctx: ctx, w: w, rate: max(rate, 1)}
}

// Write implements io.Writer.
func (t *Throttle) Write(p []byte) (int, error) {
	if t.start.IsZero() {
		t.start = time.Now()
	}
	piece := max(int(t.rate/10), 1)
	written := 0
	for len(p) > 0 {
		due := t.start.Add(time.Duration(float64(t.sent) / float64(t.rate) * float64(time.Second)))
		if err := sleepUntil(t.ctx, due); err != nil {
			return written, err
		}
		n := min(piece, len(p))
		m, err := t.w.Write(p[:n])
		written += m
		t.sent += int64(m)
		if err != nil {
			return written, err
		}
		p = p[n:]
	}
	return written, nil
}
