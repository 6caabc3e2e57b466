package fault

import (
	"context"
	"time"
)

var resetPeerKind = &Kind{
	Name:     "reset_peer",
	Protocol: TCP,
	Usage:    "reset the connection (TCP RST) at once or after a timeout",
	Options: []Option{
		{"timeout", "0", "reset after this long: seconds or a Go duration (0: at once)"},
		streamOption,
	},
	newTCP: func(o *options) TCPFault {
		return &ResetPeer{Timeout: o.duration("timeout"), Dir: o.direction("stream")}
	},
}

// ResetPeer lets data through until Timeout, then resets the connection.
// Only connections that drew it are reset.
type ResetPeer struct {
	Timeout time.Duration
	Dir     Direction
}

// Streams implements TCPFault.
func (r *ResetPeer) Streams() Direction { return r.Dir }

// Run implements TCPFault.
func (r *ResetPeer) Run(ctx context.Context, s Stream) error {
	timer := time.NewTimer(r.Timeout)
	defer timer.Stop()
	in := s.In
	for {
		select {
		case c, ok := <-in:
			if !ok {
				in = nil // wait for the reset even after the stream ended
				continue
			}
			if !send(ctx, s.Out, c) {
				return ctx.Err()
			}
		case <-timer.C:
			s.Link.Reset()
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
