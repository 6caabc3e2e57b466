package command_test

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"flagsuite/common/command"
)

func TestParseDuration(t *testing.T) {
	t.Parallel()
	good := []struct {
		in   string
		want time.Duration
	}{
		{"5", 5 * time.Second},
		{"0.5", 500 * time.Millisecond},
		{".5", 500 * time.Millisecond},
		{"0", 0},
		{"500ms", 500 * time.Millisecond},
		{"1m", time.Minute},
		{"1m30s", 90 * time.Second},
		{" 2 ", 2 * time.Second},
		{"1e-3", time.Millisecond},
		{"86400", 24 * time.Hour},
	}
	for _, tt := range good {
		if got, err := command.ParseDuration(tt.in); err != nil || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	bad := []struct{ in, msg string }{
		{"", "want seconds (0.5) or a duration (500ms)"},
		{"soon", "want seconds (0.5) or a duration (500ms)"},
		{"5 s", "want seconds (0.5) or a duration (500ms)"},
		{"NaN", "want seconds (0.5) or a duration (500ms)"},
		{"-1", "must not be negative"},
		{"-1s", "must not be negative"},
		{"Inf", "must be at most 24h0m0s"},
		{"9e9", "must be at most 24h0m0s"},
		{"25h", "must be at most 24h0m0s"},
		{"9999999999h", "up to 24h0m0s"},
	}
	for _, tt := range bad {
		if got, err := command.ParseDuration(tt.in); err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("ParseDuration(%q) = %v, %v; want an error saying %q", tt.in, got, err, tt.msg)
		}
	}
}

func TestDurationVar(t *testing.T) {
	t.Parallel()
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	var d time.Duration
	command.DurationVar(fs, &d, "timeout", 10*time.Second, "time limit `D`")
	if d != 10*time.Second || fs.Lookup("timeout").DefValue != "10s" {
		t.Errorf("default = %v (shown %q); want 10s", d, fs.Lookup("timeout").DefValue)
	}
	if err := fs.Parse([]string{"--timeout", ".25"}); err != nil || d != 250*time.Millisecond {
		t.Errorf("--timeout .25 = %v, %v; want 250ms", d, err)
	}
	err := fs.Parse([]string{"--timeout", "-2"})
	if err == nil || !strings.Contains(err.Error(), "must not be negative") {
		t.Errorf("--timeout -2: %v; want must not be negative", err)
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"5", ".5", "500ms", "-1", "NaN", "1e308", "9223372036s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := command.ParseDuration(s)
		if err == nil && (d < 0 || d > command.MaxDuration) {
			t.Fatalf("ParseDuration(%q) = %v; want 0 to %v or an error", s, d, command.MaxDuration)
		}
	})
}
