package bench

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestIdeal(t *testing.T) {
	const d = 100 * time.Millisecond
	tests := []struct {
		n, m int
		want time.Duration
	}{
		{676, 1, 676 * d},
		{676, 10, 68 * d},
		{676, 100, 7 * d},
		{676, 1000, d}, // the client caps m at N: one round
		{194, 100, 2 * d},
		{194, 194, d},
		{0, 10, 0},
	}
	for _, tt := range tests {
		if got := ideal(tt.n, tt.m, d); got != tt.want {
			t.Errorf("ideal(%d, %d, %s) = %s; want %s", tt.n, tt.m, d, got, tt.want)
		}
	}
	if got := ideal(676, 10, 0); got != 0 {
		t.Errorf("ideal without a wait = %s; want 0", got)
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{[]time.Duration{3}, 3},
		{[]time.Duration{5, 1, 3}, 3},
		{[]time.Duration{4, 1, 3, 2}, 2}, // (2+3)/2 in integer nanoseconds
		{[]time.Duration{10, 20}, 15},
	}
	for _, tt := range tests {
		if got := medianDuration(tt.in); got != tt.want {
			t.Errorf("medianDuration(%v) = %v; want %v", tt.in, got, tt.want)
		}
	}
}

func TestAggregate(t *testing.T) {
	cfg := Config{Delay: 100 * time.Millisecond}.withDefaults()
	c := &cell{label: "loop", server: "DELAY", codes: "-e", n: 676, m: 100, runs: []run{
		{elapsed: 750 * time.Millisecond, requests: 676, peak: 100, rssKB: 17000},
		{elapsed: 700 * time.Millisecond, requests: 676, peak: 99, rssKB: 18000, errors: 2},
		{elapsed: 800 * time.Millisecond, requests: 676, peak: 100, rssKB: 16000},
	}}
	got := aggregate(cfg, c)
	want := Row{Strategy: "loop", Server: "DELAY", Codes: "-e", Concurrency: 100, Reps: 3,
		MedianS: 0.75, MinS: 0.7, MaxS: 0.8, ReqPerS: 901.3, PeakInFlight: 100, Errors: 2, PeakRSSKB: 18000}
	if got.Efficiency == nil || *got.Efficiency != 0.933 {
		t.Errorf("efficiency = %v; want 0.7/0.75 = 0.933", got.Efficiency)
	}
	got.Efficiency = nil
	if got != want {
		t.Errorf("aggregate = %+v\nwant %+v", got, want)
	}
	c.server = "LOCAL"
	if got := aggregate(cfg, c); got.Efficiency != nil {
		t.Errorf("LOCAL efficiency = %v; want none", *got.Efficiency)
	}
}

func TestPlanDefaults(t *testing.T) {
	cells, notes := plan(Config{}.withDefaults())
	count := map[string]int{}
	reps := map[string]int{}
	for _, c := range cells {
		count[c.label]++
		reps[fmt.Sprintf("%s %s %s", c.server, c.codes, rung(c.m))] = c.reps
		if c.label == "sequential" && c.m != 1 {
			t.Errorf("sequential at m=%d; want m=1 only", c.m)
		}
	}
	// sequential: 2 servers (DELAY's m=1 is over --max-cell) × 2 code sets;
	// pool, loop: 4 rungs × 3 servers × 2 code sets, less DELAY's m=1.
	if count["sequential"] != 4 || count["pool"] != 22 || count["loop"] != 22 {
		t.Errorf("cells by strategy = %v; want sequential 4, pool 22, loop 22", count)
	}
	for cell, want := range map[string]int{"DELAY -e 10": 1, "DELAY -a 10": 3, "DELAY -e 100": 3, "LOCAL -e 1": 3} {
		if reps[cell] != want {
			t.Errorf("%s: %d reps; want %d", cell, reps[cell], want)
		}
	}
	if len(notes) != 3 || !strings.HasPrefix(notes[0], "skipped DELAY -a m=1 for sequential, pool, loop: ideal time 29.1s") ||
		!strings.HasPrefix(notes[2], "1 rep only for DELAY -e m=10 (pool, loop)") {
		t.Errorf("notes = %q", notes)
	}
}

func TestPlanExternal(t *testing.T) {
	cfg := Config{Strategies: []string{"loop"}, Servers: []string{"DELAY"}, Codes: []string{"-a"}, Ladder: []int{10, 100},
		External: []string{"a {base_url} -m {m}", "b {base_url}"}}.withDefaults()
	cells, _ := plan(cfg)
	var got []string
	for _, c := range cells {
		got = append(got, fmt.Sprintf("%s/%s", c.label, rung(c.m)))
	}
	want := []string{"loop/10", "loop/100", "external1/10", "external1/100", "external2/-"}
	if !slices.Equal(got, want) {
		t.Errorf("cells = %v; want %v", got, want)
	}
}

func TestExpand(t *testing.T) {
	c := &cell{server: "DELAY", codes: "-e", m: 100}
	got := expand("py flags2_asyncio.py -s {base_url} -m {m} {codes} # {server} {dest}", c, "http://127.0.0.1:1/flags", "/tmp/x", 5)
	want := "py flags2_asyncio.py -s http://127.0.0.1:1/flags -m 100 -e -l 5 # DELAY /tmp/x"
	if got != want {
		t.Errorf("expand = %q; want %q", got, want)
	}
}
