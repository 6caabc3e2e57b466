package fault

import (
	"context"
	"time"
)

var latencyKind = &Kind{
	Name:     "latency",
	Protocol: TCP,
	Usage:    "delay every chunk of data, with optional jitter",
	Options: []Option{
		{"latency", "0.1", "added delay: seconds (.1) or a Go duration (100ms)"},
		{"jitter", "0", "uniform spread: latency ± jitter"},
		streamOption,
	},
	newTCP: func(o *options) TCPFault {
		return &Latency{Latency: o.duration("latency"), Jitter: o.duration("jitter"), Dir: o.direction("stream")}
	},
}

// latencyQueue bounds the chunks a Latency stage holds in flight: the
// stream's bandwidth-delay product, and its memory, per direction.
const latencyQueue = 32

// Latency delays each chunk by Latency ± Jitter counted from when the proxy
// read it. Up to latencyQueue chunks wait at once, so a stream is late but
// not slower: chunks in flight overlap.
type Latency struct {
	Latency time.Duration
	Jitter  time.Duration
	Dir     Direction
}

// Streams implements TCPFault.
func (l *Latency) Streams() Direction { return l.Dir }

// Run implements TCPFault.
//
//	In ──▶ receiver ──▶ queue (latencyQueue) ──▶ wait until At+latency ──▶ Out
func (l *Latency) Run(ctx context.Context, s Stream) error {
	queue := make(chan Chunk, latencyQueue)
	go func() {
		defer close(queue)
		relay(ctx, s, func(c Chunk) bool { return send(ctx, queue, c) })
	}()
	for c := range queue {
		due := c.At.Add(jittered(l.Latency, l.Jitter, false, s.Rand))
		if sleepUntil(ctx, due) != nil || !send(ctx, s.Out, c) {
			break
		}
	}
	for range queue {
		// Drain so the receiver can see ctx end and quit.
	}
	return ctx.Err()
}
