package fault

import (
	"context"
	"time"
)

var latencyKind = &Kind{
	Name:     "latency",
	Protocol: TCP,
	Usage:    "delay every chunk of data, with optional jitter",
	Options: []Option{
		{"latency", "0.1", "added delay: seconds (.1) or a Go duration (100ms)", "ms"},
		{"jitter", "0", "uniform spread: latency ± jitter", "ms"},
	},
	buffer: latencyQueue,
	newTCP: func(o *options) TCPFault {
		return &Latency{Latency: o.duration("latency"), Jitter: o.duration("jitter")}
	},
}

// latencyQueue is the input buffer of a Latency stage: the chunks that can
// wait their turn while the reader goes on reading, which bounds the
// stream's bandwidth-delay product, and its memory, per direction.
const latencyQueue = 32

// Latency delays each chunk by Latency ± Jitter counted from when the proxy
// read it, as Toxiproxy's latency does. Chunks are handled in order, but
// since each is due at its own arrival plus the latency, a stream is late
// and not slower: a chunk that waited its turn in the queue waits less.
type Latency struct {
	Latency time.Duration
	Jitter  time.Duration
}

// Run implements TCPFault.
func (l *Latency) Run(ctx context.Context, s *Stream) error {
	return relay(s, func(c Chunk) error {
		due := c.At.Add(jittered(l.Latency, l.Jitter, false, s.Rand))
		if err := s.WaitUntil(due); err != nil {
			s.Keep(c) // not lost: it goes on, undelayed, through the new stages
			return err
		}
		return s.Send(c)
	})
}
