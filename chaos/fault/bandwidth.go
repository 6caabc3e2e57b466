package fault

import (
	"context"
	"time"
)

var bandwidthKind = &Kind{
	Name:     "bandwidth",
	Protocol: TCP,
	Usage:    "limit the stream to a number of bytes per second",
	Options: []Option{
		{"rate", "100k", "bytes per second: 512, 100k, 1M"},
		streamOption,
	},
	newTCP: func(o *options) TCPFault {
		return &Bandwidth{Rate: o.positiveSize("rate"), Dir: o.direction("stream")}
	},
}

// Bandwidth paces a stream to Rate bytes/s, in slices of a tenth of a
// second's worth so the flow stays smooth.
type Bandwidth struct {
	Rate int64
	Dir  Direction
}

// Streams implements TCPFault.
func (b *Bandwidth) Streams() Direction { return b.Dir }

// Run implements TCPFault.
func (b *Bandwidth) Run(ctx context.Context, s Stream) error {
	piece := max(int(b.Rate/10), 1)
	var next time.Time // when the next byte may go
	return relay(ctx, s, func(c Chunk) bool {
		if now := time.Now(); next.Before(now) {
			next = now // idle time is not credit for a later burst
		}
		for data := c.Data; len(data) > 0; {
			if sleepUntil(ctx, next) != nil {
				return false
			}
			n := min(piece, len(data))
			if !send(ctx, s.Out, Chunk{Data: data[:n], At: c.At}) {
				return false
			}
			next = next.Add(time.Duration(float64(n) / float64(b.Rate) * float64(time.Second)))
			data = data[n:]
		}
		return true
	})
}
