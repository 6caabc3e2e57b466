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
		{"average-size", "64", "average slice size in bytes"},
		{"size-variation", "32", "slices vary by ± this many bytes"},
		{"delay", "0", "pause between slices: seconds or a Go duration"},
		streamOption,
	},
	newTCP: func(o *options) TCPFault {
		return &Slicer{
			AverageSize:   o.positiveSize("average-size"),
			SizeVariation: o.size("size-variation"),
			Delay:         o.duration("delay"),
			Dir:           o.direction("stream"),
		}
	},
}

// Slicer cuts chunks into slices of AverageSize ± SizeVariation bytes, the
// fault that finds readers assuming one read is one message.
type Slicer struct {
	AverageSize   int64
	SizeVariation int64
	Delay         time.Duration
	Dir           Direction
}

// Streams implements TCPFault.
func (sl *Slicer) Streams() Direction { return sl.Dir }

// Run implements TCPFault.
func (sl *Slicer) Run(ctx context.Context, s Stream) error {
	return relay(ctx, s, func(c Chunk) bool {
		for data := c.Data; len(data) > 0; {
			size := sl.AverageSize
			if v := min(sl.SizeVariation, sl.AverageSize-1); v > 0 {
				size += s.Rand.Int64N(2*v+1) - v
			}
			n := int(min(size, int64(len(data))))
			if !send(ctx, s.Out, Chunk{Data: data[:n], At: c.At}) {
				return false
			}
			data = data[n:]
			if len(data) > 0 && sleep(ctx, sl.Delay) != nil {
				return false
			}
		}
		return true
	})
}
