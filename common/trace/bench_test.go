package trace

import (
	"io"
	"testing"
)

// BenchmarkRecorder is the whole work of --trace and --timeline for 676
// codes (a third of them retried once), as the run's owner does it:
// recording every event, then writing the JSON and the SVG.
func BenchmarkRecorder(b *testing.B) {
	for _, part := range []string{"observe", "json", "svg"} {
		b.Run(part, func(b *testing.B) {
			b.ReportAllocs()
			r := &Recorder{Slots: 100}
			synthetic(r, 676, 1)
			for b.Loop() {
				switch part {
				case "observe":
					synthetic(&Recorder{Slots: 100}, 676, 1)
				case "json":
					r.WriteJSON(io.Discard)
				case "svg":
					r.WriteSVG(io.Discard)
				}
			}
		})
	}
}
