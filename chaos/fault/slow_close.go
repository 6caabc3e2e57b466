package fault

import (
	"context"
	"time"
)

var slowCloseKind = &Kind{
	Name:     "slow_close",
	Protocol: TCP,
	Usage:    "delay passing on the end of a stream",
	Options: []Option{
		{"delay", "1", "how long the close waits: seconds or a Go duration"},
		streamOption,
	},
	newTCP: func(o *options) TCPFault { return &SlowClose{Delay: o.duration("delay"), Dir: o.direction("stream")} },
}

// SlowClose passes data at once but holds back the end of the stream for
// Delay, like a peer slow to close its socket.
type SlowClose struct {
	Delay time.Duration
	Dir   Direction
}

// Streams implements TCPFault.
func (sc *SlowClose) Streams() Direction { return sc.Dir }

// Run implements TCPFault.
func (sc *SlowClose) Run(ctx context.Context, s Stream) error {
	if err := relay(ctx, s, func(c Chunk) bool { return send(ctx, s.Out, c) }); err != nil {
		return err
	}
	return sleep(ctx, sc.Delay)
}
