package fault

import (
	"context"
	"time"
)

var timeoutKind = &Kind{
	Name:     "timeout",
	Protocol: TCP,
	Usage:    "let no data through; close the connection after a timeout (0: never)",
	Options: []Option{
		{"timeout", "0", "close after this long: seconds or a Go duration (0: hold forever)"},
		streamOption,
	},
	newTCP: func(o *options) TCPFault { return &Timeout{Timeout: o.duration("timeout"), Dir: o.direction("stream")} },
}

// Timeout drops all data of a stream, and closes the connection after
// Timeout; with 0 it holds the connection until the peer it starves leaves.
type Timeout struct {
	Timeout time.Duration
	Dir     Direction
}

// Streams implements TCPFault.
func (t *Timeout) Streams() Direction { return t.Dir }

// Run implements TCPFault.
func (t *Timeout) Run(ctx context.Context, s Stream) error {
	var expired <-chan time.Time
	if t.Timeout > 0 {
		timer := time.NewTimer(t.Timeout)
		defer timer.Stop()
		expired = timer.C
	}
	in := s.In
	for {
		select {
		case _, ok := <-in:
			if !ok {
				in = nil // the end of the stream is held back too
			}
		case <-expired:
			s.Link.Close()
			return nil
		case <-s.PeerDone:
			s.Link.Close()
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
