package fault

import (
	"context"
	"errors"
	"io"
	"time"
)

var resetPeerKind = &Kind{
	Name:     "reset_peer",
	Protocol: TCP,
	Usage:    "reset the connection (TCP RST) once data arrives, at once or after a timeout",
	Options: []Option{
		{"timeout", "0", "reset this long after the first data: seconds or a Go duration (0: at once)", "ms"},
	},
	newTCP: func(o *options) TCPFault { return &ResetPeer{Timeout: o.duration("timeout")} },
}

// ResetPeer waits for data on its stream, drops it, and resets the
// connection Timeout later, as Toxiproxy's reset_peer does. Only
// connections that drew it are reset.
type ResetPeer struct {
	Timeout time.Duration
}

// Run implements TCPFault.
func (r *ResetPeer) Run(ctx context.Context, s *Stream) error {
	_, err := s.Recv()
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := s.Wait(r.Timeout); err != nil {
		return err
	}
	s.Link.Reset()
	return nil
}
