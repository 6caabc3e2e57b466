package fault

import "context"

var limitDataKind = &Kind{
	Name:     "limit_data",
	Protocol: TCP,
	Usage:    "close the connection after a number of bytes",
	Options: []Option{
		{"bytes", "1k", "bytes let through before closing"},
		streamOption,
	},
	newTCP: func(o *options) TCPFault { return &LimitData{Bytes: o.size("bytes"), Dir: o.direction("stream")} },
}

// LimitData lets Bytes bytes through on a stream, then closes the
// connection.
type LimitData struct {
	Bytes int64
	Dir   Direction
}

// Streams implements TCPFault.
func (l *LimitData) Streams() Direction { return l.Dir }

// Run implements TCPFault.
func (l *LimitData) Run(ctx context.Context, s Stream) error {
	left := l.Bytes
	for left > 0 {
		var c Chunk
		var ok bool
		select {
		case c, ok = <-s.In:
			if !ok {
				return nil
			}
		case <-ctx.Done():
			return ctx.Err()
		}
		if int64(len(c.Data)) > left {
			c.Data = c.Data[:left]
		}
		left -= int64(len(c.Data))
		if !send(ctx, s.Out, c) {
			return ctx.Err()
		}
	}
	return ErrCloseLink
}
