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
		{"timeout", "0", "close after this long: seconds or a Go duration (0: hold forever)", "ms"},
	},
	closesOnRemove: true,
	newTCP:         func(o *options) TCPFault { return &Timeout{Timeout: o.duration("timeout")} },
}

// Timeout drops all data of a stream, and closes the connection after
// Timeout; with 0 it holds the connection until the peer it starves leaves.
// As in Toxiproxy, removing it closes the connections it held: the data it
// dropped is gone, so they could not go on.
type Timeout struct {
	Timeout time.Duration
}

// Run implements TCPFault.
func (t *Timeout) Run(ctx context.Context, s *Stream) error {
	var expired <-chan time.Time
	if t.Timeout > 0 {
		timer := time.NewTimer(t.Timeout)
		defer timer.Stop()
		expired = timer.C
	}
	for {
		// Drop what arrives (the end of the stream is held back too).
		for len(s.pending) > 0 {
			s.pending = s.pending[1:]
		}
		select {
		case _, ok := <-s.In:
			if !ok {
				s.In = nil
			}
		case <-expired:
			s.Link.Close()
			return nil
		case <-s.PeerDone:
			s.Link.Close()
			return nil
		case <-s.Interrupt:
			return ErrInterrupted
		}
	}
}
