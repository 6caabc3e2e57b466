package bench

import (
	"context"
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
	c := &cell{label: "loop", server: "DELAY", codes: "-e", n: 676, full: 676, m: 100, runs: []run{
		{elapsed: 750 * time.Millisecond, requests: 676, peak: 100, rssKB: 17000},
		{elapsed: 700 * time.Millisecond, requests: 676, peak: 99, rssKB: 18000, errors: 2, exit: 3},
		{elapsed: 800 * time.Millisecond, requests: 676, peak: 100, rssKB: 16000},
	}}
	got := aggregate(cfg, c, "flags2")
	want := Row{Client: "flags2", Strategy: "loop", Server: "DELAY", Codes: "-e", Concurrency: 100, Reps: 3,
		MedianS: 0.75, MinS: 0.7, MaxS: 0.8, Spread: 0.133, ReqPerS: 901.3, Requests: 676, PerCode: 1,
		PeakInFlight: 100, Errors: 2, PeakRSSKB: 18000, ExitStatus: 3, MeasuredOn: 676}
	if got.Efficiency == nil || *got.Efficiency != 0.933 {
		t.Errorf("efficiency = %v; want 0.7/0.75 = 0.933", got.Efficiency)
	}
	got.Efficiency = nil
	if got != want {
		t.Errorf("aggregate = %+v\nwant %+v", got, want)
	}
	c.server = "LOCAL"
	if got := aggregate(cfg, c, "flags2"); got.Efficiency != nil {
		t.Errorf("LOCAL efficiency = %v; want none", *got.Efficiency)
	}
}

// TestAggregateTwoPerCode: a client making two requests per code (flags3)
// is held to the requests the server received: 1352 requests at m=100 are
// 14 rounds of 0.1s, so 1.45s is an efficiency of 0.966, not 0.5.
func TestAggregateTwoPerCode(t *testing.T) {
	cfg := Config{Delay: 100 * time.Millisecond}.withDefaults()
	c := &cell{label: "loop", server: "DELAY", codes: "-e", n: 676, full: 676, m: 100, runs: []run{
		{elapsed: 1450 * time.Millisecond, requests: 1352, peak: 100},
	}}
	got := aggregate(cfg, c, "flags3")
	if got.Efficiency == nil || *got.Efficiency != 0.966 || got.PerCode != 2 {
		t.Errorf("efficiency %v, requests per code %g; want 0.966 and 2", got.Efficiency, got.PerCode)
	}
}

// TestAggregateExtrapolated: a sequential cell measured on 10 of 194 codes
// shows its times scaled by 19.4, and says so.
func TestAggregateExtrapolated(t *testing.T) {
	cfg := Config{Delay: 100 * time.Millisecond}.withDefaults()
	c := &cell{label: "sequential", server: "DELAY", codes: "-a", n: 10, full: 194, m: 1, runs: []run{
		{elapsed: 1010 * time.Millisecond, requests: 10, peak: 1},
		{elapsed: 1020 * time.Millisecond, requests: 10, peak: 1},
		{elapsed: 1030 * time.Millisecond, requests: 10, peak: 1},
	}}
	got := aggregate(cfg, c, "flags2")
	if got.MedianS != 19.788 || got.MinS != 19.594 || !got.Extrapolated || got.MeasuredOn != 10 || *got.Efficiency != 0.98 {
		t.Errorf("aggregate = %+v; want median 19.788 (1.02 × 19.4), min 19.594, extrapolated from 10 codes, efficiency 0.98", got)
	}
}

func TestSpread(t *testing.T) {
	ms := func(xs ...int) []time.Duration {
		var ds []time.Duration
		for _, x := range xs {
			ds = append(ds, time.Duration(x)*time.Millisecond)
		}
		return ds
	}
	tests := []struct {
		in   []time.Duration
		want float64
	}{
		{ms(100), 0},
		{ms(100, 150, 200), 0.667},                      // 3 runs: the whole range
		{ms(100, 101, 102, 300), 0.01},                  // 4 runs: the stray one is dropped
		{ms(100, 300, 100, 300, 100, 300), 1},           // truly bimodal stays noisy
		{ms(90, 100, 100, 101, 99, 100, 500, 30), 0.01}, // 8 runs: two each side dropped
	}
	for _, tt := range tests {
		if got := round(spreadOf(tt.in), 3); got != tt.want {
			t.Errorf("spreadOf(%v) = %g; want %g", tt.in, got, tt.want)
		}
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
	// sequential: 3 servers × 2 code sets (DELAY's on a subset);
	// pool, loop: 4 rungs × 3 servers × 2 code sets, less DELAY's m=1.
	if count["sequential"] != 6 || count["pool"] != 22 || count["loop"] != 22 {
		t.Errorf("cells by strategy = %v; want sequential 6, pool 22, loop 22", count)
	}
	for cell, want := range map[string]int{"DELAY -e 10": 1, "DELAY -a 10": 3, "DELAY -e 100": 3, "LOCAL -e 1": 3, "DELAY -e 1": 3} {
		if reps[cell] != want {
			t.Errorf("%s: %d reps; want %d", cell, reps[cell], want)
		}
	}
	for _, c := range cells {
		if c.label == "sequential" && c.server == "DELAY" && (c.n != DefaultSubset || c.limit != DefaultSubset || c.full != len(codeSet(c.codes, 0))) {
			t.Errorf("sequential DELAY %s runs %d codes (-l %d) for %d; want the first %d, scaled", c.codes, c.n, c.limit, c.full, DefaultSubset)
		}
	}
	if len(notes) != 5 || !strings.HasPrefix(notes[0], "skipped DELAY -a m=1 for pool, loop: ideal time 29.1s") ||
		!strings.HasPrefix(notes[2], "~ sequential DELAY -a: measured on its first 10 codes and scaled ×19.4 to 194") ||
		!strings.HasPrefix(notes[4], "1 rep only for DELAY -e m=10 (pool, loop)") {
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
	c.limit = 5
	got := expand("py flags2_asyncio.py -s {base_url} -m {m} {codes} # {server} {dest}", c, "http://127.0.0.1:1/flags", "/tmp/x")
	want := "py flags2_asyncio.py -s http://127.0.0.1:1/flags -m 100 -e -l 5 # DELAY /tmp/x"
	if got != want {
		t.Errorf("expand = %q; want %q", got, want)
	}
}

// TestNoisyCellsGetMoreRuns feeds the measurement loop runs of known
// times: a steady cell gets its planned runs; a noisy one more, up to
// --max-reps, and stays marked noisy; one with a single stray run settles
// after one more run; and one whose runs are long stops at its budget.
func TestNoisyCellsGetMoreRuns(t *testing.T) {
	t.Parallel()
	ms := func(x int) time.Duration { return time.Duration(x) * time.Millisecond }
	cfg := Config{Client: "fake", Strategies: []string{"loop"}, Servers: []string{"LOCAL"}, Codes: []string{"-a"},
		Ladder: []int{1, 10, 100, 1000}, Reps: 3, MaxReps: 8, MaxCell: 10 * time.Second, Noise: 0.25}
	cfg.runCell = func(_ context.Context, _ Config, _ programs, c *cell, _ endpoint) (run, error) {
		i := len(c.runs)
		r := run{elapsed: ms(100), requests: int64(c.n), report: true}
		switch c.m {
		case 10: // noisy for good
			r.elapsed = ms(100 + 200*(i%2))
		case 100: // one stray run among steady ones
			if i == 1 {
				r.elapsed = ms(300)
			}
		case 1000: // noisy, but 3s a run: no room for a fourth in 10s
			r.elapsed = ms(1000 + 1000*(i%2))
			r.wall = 3 * time.Second
		}
		if r.wall == 0 {
			r.wall = r.elapsed
		}
		return r, nil
	}
	res, err := Measure(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]struct {
		reps  int
		noisy bool
	}{1: {3, false}, 10: {8, true}, 100: {4, false}, 1000: {3, true}}
	for _, r := range res.Rows {
		w := want[r.Concurrency]
		if r.Reps != w.reps || r.Noisy != w.noisy {
			t.Errorf("m=%d: %d runs, noisy %v (spread %g); want %d, %v", r.Concurrency, r.Reps, r.Noisy, r.Spread, w.reps, w.noisy)
		}
	}
	if len(res.Rows) != len(want) {
		t.Errorf("%d rows; want %d", len(res.Rows), len(want))
	}
}

// TestNoiseBudget: when every cell is noisy, the extra runs stop once they
// have taken half the time of the planned ones, however many each cell
// could still have.
func TestNoiseBudget(t *testing.T) {
	t.Parallel()
	cfg := Config{Client: "fake", Strategies: []string{"loop"}, Servers: []string{"LOCAL"}, Codes: []string{"-a"},
		Ladder: []int{1, 10, 100, 1000}, Reps: 3, MaxReps: 20, MaxCell: time.Minute, Noise: 0.25}
	cfg.runCell = func(_ context.Context, _ Config, _ programs, c *cell, _ endpoint) (run, error) {
		d := time.Duration(100+200*(len(c.runs)%2)) * time.Millisecond
		return run{elapsed: d, wall: d, requests: int64(c.n), report: true}, nil
	}
	res, err := Measure(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	runs := 0
	for _, r := range res.Rows {
		runs += r.Reps
	}
	// Planned: 4 cells × (100+300+100 ms) = 2s; half of it is 1s of extra
	// runs of 300 ms each: four, the last started before the budget ran out.
	if extra := runs - 12; extra != 4 {
		t.Errorf("%d extra runs; want 4, as many as start within half the planned 2s", extra)
	}
}
