package fetch

import (
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"-5", 0},
		{"7", 7 * time.Second},
		{" 7 ", 7 * time.Second},
		{"31", maxRetryAfter},
		{"99999999999999999999", 0}, // not an int64, not a date
		{"soon", 0},
		{now.Add(4 * time.Second).Format(http1123), 4 * time.Second},
		{now.Add(-time.Minute).Format(http1123), 0},
		{"Sunday, 01-Mar-26 12:00:09 GMT", 9 * time.Second}, // RFC 850, still allowed
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}

const http1123 = "Mon, 02 Jan 2006 15:04:05 GMT"

func TestBackoffCeiling(t *testing.T) {
	c := New(Config{BackoffBase: 100 * time.Millisecond, BackoffCap: 2 * time.Second})
	ceilings := []time.Duration{100, 200, 400, 800, 1600, 2000, 2000}
	for n, ceiling := range ceilings {
		for range 200 {
			if d := c.backoff(n); d < 0 || d > ceiling*time.Millisecond {
				t.Fatalf("backoff(%d) = %v; want in [0, %v]", n, d, ceiling*time.Millisecond)
			}
		}
	}
	for _, n := range []int{62, 63, 64, 1000} { // no overflow past the cap
		if d := c.backoff(n); d < 0 || d > 2*time.Second {
			t.Errorf("backoff(%d) = %v; want in [0, 2s]", n, d)
		}
	}
}

func TestRetryableStatus(t *testing.T) {
	for code, want := range map[int]bool{
		200: false, 400: false, 401: false, 403: false, 404: false, 410: false,
		408: true, 418: true, 429: true, 500: true, 502: true, 503: true, 504: true, 599: true,
	} {
		if got := retryableStatus(code); got != want {
			t.Errorf("retryableStatus(%d) = %v; want %v", code, got, want)
		}
	}
}
