package fault

import (
	"slices"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
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
	got, err := ParseStatuses("429, 500-503")
	if want := []int{429, 500, 501, 502, 503}; err != nil || !slices.Equal(got, want) {
		t.Errorf("ParseStatuses(%q) = %v, %v; want %v", "429, 500-503", got, err, want)
	}
	for _, in := range []string{"", "99", "600", "503-500", "5xx", "500-"} {
		if _, err := ParseStatuses(in); err == nil {
			t.Errorf("ParseStatuses(%q) = nil error; want an error", in)
		}
	}
}

func TestParseDirection(t *testing.T) {
	for in, want := range map[string]Direction{"up": Upstream, "Downstream": Downstream, "both": Both} {
		if got, err := ParseDirection(in); err != nil || got != want {
			t.Errorf("ParseDirection(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseDirection("sideways"); err == nil {
		t.Errorf("ParseDirection(%q) = nil error; want an error", "sideways")
	}
}
