package fault

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{".5", 500 * time.Millisecond, true},
		{"2", 2 * time.Second, true},
		{"0", 0, true},
		{"250ms", 250 * time.Millisecond, true},
		{"1.5s", 1500 * time.Millisecond, true},
		{"-1", 0, false},
		{"-1s", 0, false},
		{"soon", 0, false},
		{"", 0, false},
		{"NaN", 0, false},
		{"1e300", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestParseSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1024", 1024, true},
		{"10k", 10240, true},
		{"10KB", 10240, true},
		{"10KiB/s", 10240, true},
		{"1.5M", 1572864, true},
		{"0", 0, true},
		{"-1", 0, false},
		{"lots", 0, false},
		{"9e30", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseSize(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestParseFraction(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]float64{"0.5": .5, "50%": .5, "1": 1, "0": 0} {
		if got, err := ParseFraction(in); err != nil || got != want {
			t.Errorf("ParseFraction(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"1.5", "-0.1", "150%", "half"} {
		if _, err := ParseFraction(in); err == nil {
			t.Errorf("ParseFraction(%q) = nil error; want an error", in)
		}
	}
}

func TestParseStatuses(t *testing.T) {
	t.Parallel()
	got, err := ParseStatuses("429, 500-503")
	if want := (Statuses{{429, 429}, {500, 503}}); err != nil || !slices.Equal(got, want) || got.Count() != 5 {
		t.Errorf("ParseStatuses(%q) = %v, %v; want %v (5 codes)", "429, 500-503", got, err, want)
	}
	var picked []int
	for i := range got.Count() {
		picked = append(picked, got.Pick(i))
	}
	if want := []int{429, 500, 501, 502, 503}; !slices.Equal(picked, want) {
		t.Errorf("Pick(0..4) = %v; want %v", picked, want)
	}
	for _, in := range []string{"", "99", "600", "503-500", "5xx", "500-", "100", "100-599", "199"} {
		if _, err := ParseStatuses(in); err == nil {
			t.Errorf("ParseStatuses(%q) = nil error; want an error", in)
		}
	}
}

// Issue 16 §5: a status set of ranges repeated to fill 1 MB took 6.3 s and
// 2 GB, each range expanded into a list. It is now refused after counting
// its commas, and a big range stays two numbers.
func TestParseStatusesBounded(t *testing.T) { // not parallel: AllocsPerRun
	huge := strings.Repeat("200-599,", 1<<20/8)
	allocs := testing.AllocsPerRun(1, func() {
		if _, err := ParseStatuses(huge); err == nil {
			t.Errorf("ParseStatuses of %d items = nil error; want an error", 1<<20/8)
		}
	})
	if allocs > 20 {
		t.Errorf("refusing a long status list made %v allocations; want a few", allocs)
	}
	many := strings.TrimSuffix(strings.Repeat("200-599,", maxStatusItems), ",")
	got, err := ParseStatuses(many)
	if err != nil || len(got) != maxStatusItems || got.Count() != 400*maxStatusItems {
		t.Errorf("ParseStatuses(%d ranges) = %d ranges, %v; want them kept as ranges", maxStatusItems, len(got), err)
	}
}

// Issue 16 §5: sleeps of centuries were accepted.
func TestDurationBound(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ kind, opt, v string }{
		{"delay", "sleep", "9e9"}, {"hang", "max", "25h"}, {"latency", "latency", "1e6"},
	} {
		k, _ := Lookup(tt.kind)
		if _, err := k.build(map[string]string{tt.opt: tt.v}); err == nil {
			t.Errorf("%s %s=%s accepted; want refused over %v", tt.kind, tt.opt, tt.v, MaxDuration)
		}
	}
	k, _ := Lookup("delay")
	if _, err := k.build(map[string]string{"sleep": "86400"}); err != nil {
		t.Errorf("delay sleep=86400 (a day): %v; want accepted", err)
	}
}

func TestParseDirection(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Direction{"up": Upstream, "Downstream": Downstream, "both": Both} {
		if got, err := ParseDirection(in); err != nil || got != want {
			t.Errorf("ParseDirection(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseDirection("sideways"); err == nil {
		t.Errorf("ParseDirection(%q) = nil error; want an error", "sideways")
	}
}
