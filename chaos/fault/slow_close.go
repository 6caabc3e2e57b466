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
		{"delay", "1", "how long the close waits: seconds or a Go duration", "ms"},
	},
	newTCP: func(o *options) TCPFault { return &SlowClose{Delay: o.duration("delay")} },
}

// SlowClose passes data at once but holds back the end of the stream for
// Delay, like a peer slow to close its socket.
type SlowClose struct {
	Delay time.Duration
}

// Run implements TCPFault.
func (sc *SlowClose) Run(ctx context.Context, s *Stream) error {
	if err := relay(s, s.Send); err != nil {
		return err
	}
	return s.Wait(sc.Delay)
}
