package fault

import (
	"context"
	"time"
)

var slicerKind = &Kind{
	Name:     "slicer",
	Protocol: TCP,
	Usage:    "cut data into small slices, optionally with a delay between them",
	Options: []Option{
		{"average-size", "64", "average slice size in bytes", "bytes"},
		{"size-variation", "32", "slices vary by ± this many bytes", "bytes"},
		{"delay", "0", "pause between slices: seconds or a Go duration (API: µs, as Toxiproxy)", "us"},
	},
	newTCP: func(o *options) TCPFault {
		return &Slicer{
			AverageSize:   max(o.size("average-size"), 1),
			SizeVariation: o.size("size-variation"),
			Delay:         o.duration("delay"),
		}
	},
}

// Slicer cuts chunks into slices of AverageSize ± SizeVariation bytes, the
// fault that finds readers assuming one read is one message.
type Slicer struct {
	AverageSize   int64
	SizeVariation int64
	Delay         time.Duration
}

// Run implements TCPFault.
func (sl *Slicer) Run(ctx context.Context, s *Stream) error {
	return relay(s, func(c Chunk) error {
		for data := c.Data; len(data) > 0; {
			size := sl.AverageSize
			if v := min(sl.SizeVariation, sl.AverageSize-1); v > 0 {
				size += s.Rand.Int64N(2*v+1) - v
			}
			n := int(min(size, int64(len(data))))
			if err := s.Send(Chunk{Data: data[:n], At: c.At}); err != nil {
				s.Keep(Chunk{Data: data[n:], At: c.At})
				return err
			}
			data = data[n:]
			if len(data) > 0 {
				if err := s.Wait(sl.Delay); err != nil {
					s.Keep(Chunk{Data: data, At: c.At})
					return err
				}
			}
		}
		return nil
	})
}
