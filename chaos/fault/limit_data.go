package fault

import (
	"context"
	"errors"
	"io"
)

var limitDataKind = &Kind{
	Name:     "limit_data",
	Protocol: TCP,
	Usage:    "close the connection after a number of bytes",
	Options: []Option{
		{"bytes", "1k", "bytes let through before closing", "bytes"},
	},
	newTCP: func(o *options) TCPFault { return &LimitData{Bytes: o.size("bytes")} },
}

// LimitData lets Bytes bytes through on a stream, then closes the
// connection. The count is the connection's: changing the toxic does not
// start it over, as in Toxiproxy.
type LimitData struct {
	Bytes int64
}

// Run implements TCPFault.
func (l *LimitData) Run(ctx context.Context, s *Stream) error {
	var sent int64
	if s.Count == nil {
		s.Count = &sent
	}
	for *s.Count < l.Bytes {
		c, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if left := l.Bytes - *s.Count; int64(len(c.Data)) > left {
			c.Data = c.Data[:left]
		}
		if err := s.Send(c); err != nil {
			return err
		}
		*s.Count += int64(len(c.Data))
	}
	return ErrCloseLink
}
