package progress

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// In a synctest bubble the clock moves only when the test sleeps, so
// elapsed times in the output are exact and the throttle is predictable.

func TestPlainWriterGetsOneLine(t *testing.T) {
	tests := []struct {
		name       string
		total, add int
		want       string
	}{
		{"complete", 676, 676, "flags: 676/676 100% in 1.2s\n"},
		{"interrupted", 676, 300, "flags: 300/676 44% in 1.2s\n"},
		{"nothing done", 20, 0, "flags: 0/20 0% in 1.2s\n"},
		{"counts past the total ignored", 20, 25, "flags: 20/20 100% in 1.2s\n"},
		{"no items", 0, 0, "flags: 0/0 100% in 1.2s\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var out bytes.Buffer
				b := New(&out, tt.total, "flags") // a buffer is no terminal
				for range tt.add {
					b.Add(1)
				}
				time.Sleep(1200 * time.Millisecond)
				if out.Len() != 0 {
					t.Errorf("before Finish wrote %q; want nothing", out.String())
				}
				b.Finish()
				b.Finish() // a second call adds nothing
				if got := out.String(); got != tt.want {
					t.Errorf("output = %q; want %q", got, tt.want)
				}
			})
		})
	}
}

func TestConcurrentAdds(t *testing.T) {
	var out bytes.Buffer
	b := New(&out, 1000, "flags")
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			for range 100 {
				b.Add(1)
			}
		})
	}
	wg.Wait()
	b.Finish()
	if got := out.String(); !strings.HasPrefix(got, "flags: 1000/1000 100% in ") || strings.Count(got, "\n") != 1 {
		t.Errorf("output = %q; want one line counting 1000/1000", got)
	}
}

func TestTerminalFinalFrameShowsTotal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		const total = 50
		b := newBar(&out, total, "flags", true)
		// 49 updates inside one throttle interval, then the last one a
		// moment later: the throttle must not swallow the final frame.
		for range total - 1 {
			b.Add(1)
		}
		time.Sleep(time.Millisecond)
		b.Add(1)
		time.Sleep(time.Second) // must not change what Finish shows
		b.Finish()

		got := out.String()
		if !strings.HasSuffix(got, "\n") || strings.Count(got, "\n") != 1 {
			t.Fatalf("output %q; want it to end with its only newline", got)
		}
		fs := frames(strings.TrimSuffix(got, "\n"))
		last := fs[len(fs)-1]
		for _, want := range []string{"flags", "100%", "(50/50"} {
			if !strings.Contains(last, want) {
				t.Errorf("final frame %q; want it to contain %q", last, want)
			}
		}
		// The blank frame, one within the throttle and the final frame;
		// each redraw after the first is a clearing '\r…\r' plus a frame.
		if n := strings.Count(got, "\r"); n > 6 {
			t.Errorf("%d carriage returns for 50 updates in 1ms; want the throttle to hold them to a few", n)
		}
	})
}

func TestTerminalThrottleLetsFramesThrough(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		b := newBar(&out, 10, "flags", true)
		for range 9 {
			time.Sleep(100 * time.Millisecond) // longer than the throttle
			b.Add(1)
		}
		fs := frames(out.String())
		last := fs[len(fs)-1]
		if !strings.Contains(last, "(9/10") || !strings.Contains(last, "90%") {
			t.Errorf("frame after 9 of 10, spaced out = %q; want it to show 9/10 and 90%%", last)
		}
		b.Finish()
	})
}

func TestTerminalInterruptedEndsWithSummary(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		b := newBar(&out, 50, "flags", true)
		for range 30 {
			b.Add(1) // all in one throttle interval: the bar lags behind
		}
		time.Sleep(1500 * time.Millisecond)
		b.Finish()
		b.Add(5) // after Finish: ignored, draws nothing
		got := out.String()
		fs := frames(got)
		if last, want := fs[len(fs)-1], "flags: 30/50 60% in 1.5s\n"; last != want {
			t.Errorf("after the last '\\r': %q; want %q (output %q)", last, want, got)
		}
	})
}

func TestNilBar(t *testing.T) {
	var b *Bar
	b.Add(1)
	b.Finish() // no panic: callers may keep a nil bar in verbose mode
}
