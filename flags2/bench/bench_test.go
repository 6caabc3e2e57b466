package bench

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"flagsuite/testserver/clienttest"
)

// TestMain lets this test binary be the launcher of measured runs, as
// flags2 is under "flags2 bench": the runner starts os.Executable() with
// "bench --launch CLIENT ARGS…".
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "bench" && os.Args[2] == launchArg {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		code := Run(ctx, os.Args[2:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	// The launchers are this binary: under -race each would sleep a second
	// at exit, as the race detector does by default, and slow every run.
	os.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	code := m.Run()
	if flags2Bin != "" {
		os.RemoveAll(filepath.Dir(flags2Bin))
	}
	os.Exit(code)
}

var (
	buildOnce sync.Once
	flags2Bin string
	buildErr  error
)

// flags2 builds the flags2 command once per test binary and returns its
// path: the client the end-to-end tests measure.
func flags2(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "bench-test-*")
		if err != nil {
			buildErr = err
			return
		}
		gobin := clienttest.GoCommand(t)
		flags2Bin = filepath.Join(dir, "flags2")
		out, err := exec.Command(gobin, "build", "-o", flags2Bin, "flagsuite/flags2").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build flagsuite/flags2: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return flags2Bin
}

// bench runs "flags2 bench ARGS" in-process and returns its exit code and
// outputs.
func bench(t *testing.T, ctx context.Context, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Run(ctx, args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// The keys of a --json row, as the issue lists them.
var jsonKeys = []string{"strategy", "server", "codes", "concurrency", "reps", "median_s", "min_s", "max_s",
	"req_per_s", "peak_in_flight", "errors", "efficiency", "peak_rss_kb"}

// TestTinyConfigurationEndToEnd measures a small matrix for real: child
// processes of flags2 against in-process LOCAL and DELAY, JSON on stdout
// and the SVG in a file.
func TestTinyConfigurationEndToEnd(t *testing.T) {
	bin := flags2(t)
	svg := filepath.Join(t.TempDir(), "plot.svg")
	code, stdout, stderr := bench(t, context.Background(), "--client", bin, "--strategies", "loop,pool",
		"--ladder", "1,10", "--servers", "LOCAL,DELAY", "--delay", "10ms", "--codes", "-a", "--limit", "12",
		"--reps", "1", "--json", "--svg", svg, "--dest", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d; want 0\nstderr: %s", code, stderr)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(stdout), &rows); err != nil {
		t.Fatalf("stdout is not a JSON array: %v\n%s", err, stdout)
	}
	if len(rows) != 8 {
		t.Fatalf("%d rows; want 8 (2 strategies × 2 rungs × 2 servers)", len(rows))
	}
	for _, row := range rows {
		var keys []string
		for k := range row {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		want := slices.Sorted(slices.Values(jsonKeys))
		if !slices.Equal(keys, want) {
			t.Fatalf("row keys = %v; want %v", keys, want)
		}
		m := row["concurrency"].(float64)
		switch {
		case row["median_s"].(float64) <= 0 || row["peak_rss_kb"].(float64) <= 0:
			t.Errorf("%v: median and peak RSS must be positive", row)
		case row["peak_in_flight"].(float64) < 1 || row["peak_in_flight"].(float64) > m:
			t.Errorf("%v: peak in flight outside 1..m", row)
		case row["errors"].(float64) != 0 || row["reps"].(float64) != 1:
			t.Errorf("%v: want no errors and one rep", row)
		case (row["server"] == "DELAY") != (row["efficiency"] != nil):
			t.Errorf("%v: efficiency must be a number for DELAY only", row)
		}
		if eff, ok := row["efficiency"].(float64); ok && (eff <= 0 || eff > 1.05) {
			t.Errorf("%v: efficiency %g is not a share of the ideal", row, eff)
		}
	}
	// DELAY at m=1 waits 12 × 10ms at least.
	for _, row := range rows {
		if row["server"] == "DELAY" && row["concurrency"].(float64) == 1 && row["median_s"].(float64) < 0.12 {
			t.Errorf("%v: faster than the server's waits allow", row)
		}
	}
	paths := svgPaths(t, svg)
	if len(paths) != 4 {
		t.Errorf("the plot has %d paths %v; want 4, one per strategy and server", len(paths), paths)
	}
	for _, want := range []string{"loop/LOCAL", "loop/DELAY", "pool/LOCAL", "pool/DELAY"} {
		if !slices.Contains(paths, "-a:"+want) {
			t.Errorf("the plot has no path for %s: %v", want, paths)
		}
	}
	if !strings.Contains(stderr, "plot written to "+svg) {
		t.Errorf("stderr does not say where the plot is:\n%s", stderr)
	}
}

// TestSequentialErrorAndExternal measures sequential (once, at m=1), the
// loop and an external command against ERROR, as CSV: every run meets the
// same seeded failures, so every row reports the same errors.
func TestSequentialErrorAndExternal(t *testing.T) {
	bin := flags2(t)
	ext := bin + " --strategy pool -m {m} {codes} -s {base_url} --json --no-embed --dest {dest}"
	code, stdout, stderr := bench(t, context.Background(), "--client", bin, "--strategies", "sequential,loop",
		"--ladder", "1,10", "--servers", "ERROR", "--codes", "e", "--limit", "40", "--reps", "2",
		"--external", ext, "--csv", "--svg", "", "-q")
	if code != 0 {
		t.Fatalf("exit %d; want 0\nstderr: %s", code, stderr)
	}
	if stderr != "" {
		t.Errorf("stderr with --quiet and no plot = %q; want nothing", stderr)
	}
	records, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil {
		t.Fatalf("stdout is not CSV: %v\n%s", err, stdout)
	}
	if !slices.Equal(records[0], csvHeader) {
		t.Errorf("CSV header = %v; want %v", records[0], csvHeader)
	}
	var got []string
	errs := map[string]bool{}
	for _, r := range records[1:] {
		got = append(got, r[0]+"/"+r[3])
		errs[r[10]] = true
		if r[4] != "2" || r[11] != "" {
			t.Errorf("row %v: want 2 reps and no efficiency", r)
		}
	}
	want := []string{"sequential/1", "loop/1", "loop/10", "external/1", "external/10"}
	if !slices.Equal(got, want) {
		t.Errorf("rows = %v; want %v", got, want)
	}
	if len(errs) != 1 || errs["0"] {
		t.Errorf("errors per row take the values %v; want one same non-zero count", errs)
	}
}

// TestInterrupt cancels a measurement during a run: the run is stopped, the
// partial results are printed, and the exit status is 130.
func TestInterrupt(t *testing.T) {
	bin := flags2(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	time.AfterFunc(2*time.Second, cancel) // LOCAL is done by then, DELAY's 5s waits are not
	start := time.Now()
	code, stdout, stderr := bench(t, ctx, "--client", bin, "--strategies", "loop", "--servers", "LOCAL,DELAY",
		"--delay", "5s", "--ladder", "1", "--codes", "a", "--limit", "2", "--reps", "1", "--svg", "", "-q")
	if code != 130 {
		t.Fatalf("exit %d; want 130\nstderr: %s", code, stderr)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("took %s to stop; want the run under way to be cut short", took)
	}
	if !strings.Contains(stdout, "loop        LOCAL") || strings.Contains(stdout, "loop        DELAY") {
		t.Errorf("partial table should hold LOCAL, done before the interrupt, and not DELAY:\n%s", stdout)
	}
	if !strings.Contains(stderr, "interrupted") {
		t.Errorf("stderr does not say the run was interrupted: %q", stderr)
	}
}

func TestClientThatIsNotFlags2(t *testing.T) {
	code, _, stderr := bench(t, context.Background(), "--client", "/bin/true", "--servers", "LOCAL",
		"--ladder", "1", "--codes", "a", "--reps", "1", "--svg", "", "-q")
	if code != 1 || !strings.Contains(stderr, "does not run as flags2") {
		t.Errorf("exit %d, stderr %q; want 1 and a message about the client", code, stderr)
	}
}
