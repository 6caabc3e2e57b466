package progress

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// busy is the middle of flags2 -s ERROR -e -m 100.
var busy = State{
	Label: "flags", Total: 676, Done: 291, OK: 120, NotFound: 150, Errors: 21, Retries: 2,
	Slots: 100, Held: 87, Waiting: 59, Writes: 3,
	Elapsed: 9 * time.Second, Rate: 98.5, ETA: 30 * time.Second,
}

func TestRenderFits(t *testing.T) {
	t.Parallel()
	few := busy
	few.Slots, few.Held = 5, 3
	for _, s := range []State{busy, few, {Label: "flags", Total: 20, ETA: -1}} {
		for cols := 1; cols <= 200; cols++ {
			line := Render(s, cols)
			if w := utf8.RuneCountInString(line); w > cols {
				t.Fatalf("Render(%d columns) is %d wide: %q", cols, w, line)
			}
			if strings.ContainsAny(line, "\r\n\x1b") {
				t.Fatalf("Render(%d columns) = %q; want no control characters", cols, line)
			}
		}
	}
}

func TestRenderKeepsWhatMatters(t *testing.T) {
	t.Parallel()
	few := busy
	few.Slots, few.Held = 5, 3
	tests := []struct {
		s    State
		cols int
		want []string
		not  []string
	}{
		{busy, 120, []string{"43%|", "291/676", "ok 120", "404 150", "err 21", "retry 2", "in flight 87/100",
			"waiting 59", "[00:09<00:30"}, nil},
		{busy, 79, []string{"291/676", "ok 120", "404 150", "err 21", "in flight 87/100"}, nil},
		{busy, 39, []string{"291/676", "ok 120", "404 150", "err 21"}, []string{"|"}},
		{few, 79, []string{"291/676", "ok 120", "404 150", "err 21", "slots ███░░"}, nil},
		{few, 200, []string{"flags  43%|█████████████████████▌", "[00:09<00:30, 98.5 flags/s]", "writes 3"}, nil},
		{State{Label: "flags", Total: 20, Slots: 5, ETA: -1}, 79, []string{"0/20", "slots ░░░░░", "[00:00]"},
			[]string{"ok", "404", "err", "<", "/s"}},
	}
	for _, tt := range tests {
		line := Render(tt.s, tt.cols)
		for _, w := range tt.want {
			if !strings.Contains(line, w) {
				t.Errorf("Render(%d columns) = %q; want it to contain %q", tt.cols, line, w)
			}
		}
		for _, w := range tt.not {
			if strings.Contains(line, w) {
				t.Errorf("Render(%d columns) = %q; want no %q", tt.cols, line, w)
			}
		}
	}
}

func TestRenderLitSlots(t *testing.T) {
	t.Parallel()
	s := State{Total: 10, Slots: 6, Held: 2, ETA: -1, Lit: func(i int) bool { return i == 1 || i == 4 }}
	if line := Render(s, 80); !strings.Contains(line, "slots ░█░░█░") {
		t.Errorf("Render = %q; want slots 1 and 4 lit", line)
	}
}

func TestDrawBar(t *testing.T) {
	t.Parallel()
	tests := []struct {
		done, total, cells int
		want               string
	}{
		{0, 10, 4, "    "},
		{1, 16, 2, "▏ "},
		{1, 2, 4, "██  "},
		{5, 8, 1, "▋"},
		{4, 8, 1, "▌"},
		{7, 8, 2, "█▊"},
		{10, 10, 3, "███"},
		{12, 10, 3, "███"},
		{0, 0, 2, "██"},
	}
	for _, tt := range tests {
		if got := drawBar(tt.done, tt.total, tt.cells); got != tt.want {
			t.Errorf("drawBar(%d, %d, %d) = %q; want %q", tt.done, tt.total, tt.cells, got, tt.want)
		}
	}
}

func TestClock(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		0: "00:00", 9 * time.Second: "00:09", 754 * time.Second: "12:34",
		3723 * time.Second: "1:02:03", 1499 * time.Millisecond: "00:01",
	} {
		if got := clock(d); got != want {
			t.Errorf("clock(%v) = %q; want %q", d, got, want)
		}
	}
}
