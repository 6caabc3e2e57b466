package fault

import (
	"context"
	"time"
)

var bandwidthKind = &Kind{
	Name:     "bandwidth",
	Protocol: TCP,
	Usage:    "limit the stream to a number of bytes per second (0: no limit)",
	Options: []Option{
		{"rate", "100k", "bytes per second: 512, 100k, 1M (API: KB/s, as Toxiproxy)", "KB/s"},
	},
	newTCP: func(o *options) TCPFault { return &Bandwidth{Rate: o.size("rate")} },
}

// Bandwidth paces a stream to Rate bytes/s, in slices of a tenth of a
// second's worth so the flow stays smooth; a Rate of 0 lets it through.
type Bandwidth struct {
	Rate int64
}

// Run implements TCPFault.
func (b *Bandwidth) Run(ctx context.Context, s *Stream) error {
	if b.Rate <= 0 {
		return relay(s, s.Send)
	}
	piece := max(int(b.Rate/10), 1)
	var next time.Time // when the next byte may go
	return relay(s, func(c Chunk) error {
		if now := time.Now(); next.Before(now) {
			next = now // idle time is not credit for a later burst
		}
		for data := c.Data; len(data) > 0; {
			if err := s.WaitUntil(next); err != nil {
				s.Keep(Chunk{Data: data, At: c.At})
				return err
			}
			n := min(piece, len(data))
			if err := s.Send(Chunk{Data: data[:n], At: c.At}); err != nil {
				s.Keep(Chunk{Data: data[n:], At: c.At})
				return err
			}
			next = next.Add(time.Duration(float64(n) / float64(b.Rate) * float64(time.Second)))
			data = data[n:]
		}
		return nil
	})
}
