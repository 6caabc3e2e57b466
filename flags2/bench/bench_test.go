package bench

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
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
var jsonKeys = []string{"client", "strategy", "server", "codes", "concurrency", "reps", "median_s", "min_s", "max_s",
	"spread", "noisy", "req_per_s", "requests", "requests_per_code", "peak_in_flight", "errors", "efficiency",
	"peak_rss_kb", "exit_status", "measured_on", "extrapolated"}

// TestTinyConfigurationEndToEnd measures a small matrix for real: child
// processes of flags2 against in-process LOCAL and DELAY, JSON on stdout
// and the SVG in a file.
func TestTinyConfigurationEndToEnd(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
	bin := flags2(t)
	ext := bin + " --strategy pool -m {m} {codes} -s {base_url} --json --no-embed --dest {dest}"
	code, stdout, stderr := bench(t, context.Background(), "--client", bin, "--strategies", "sequential,loop",
		"--ladder", "1,10", "--servers", "ERROR", "--codes", "e", "--limit", "40", "--reps", "2", "--max-reps", "2",
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
	for _, rec := range records[1:] {
		r := byName(records[0], rec)
		got = append(got, r["strategy"]+"/"+r["concurrency"])
		errs[r["errors"]] = true
		if reps, _ := strconv.Atoi(r["reps"]); reps < 2 || r["efficiency"] != "" {
			t.Errorf("row %v: want 2 reps or more and no efficiency", r)
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
// partial results are printed, and the exit status is 130. It cancels as
// the DELAY run's process starts, so the LOCAL cell is done and the DELAY
// run is under way (its server waits a minute), whatever the speed of the
// machine.
func TestInterrupt(t *testing.T) {
	t.Parallel()
	bin := flags2(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := Config{Client: bin, Strategies: []string{"loop"}, Servers: []string{"LOCAL", "DELAY"}, Delay: time.Minute,
		Ladder: []int{1}, Codes: []string{"-a"}, Limit: 2, Reps: 1, MaxCell: 10 * time.Minute, Dest: t.TempDir()}
	var once sync.Once
	cfg.onStart = func(server string) {
		if server == "DELAY" {
			once.Do(cancel)
		}
	}
	res, err := Measure(ctx, cfg)
	if !res.Interrupted || !errors.Is(err, context.Canceled) {
		t.Fatalf("Measure = interrupted %v, %v; want interrupted, context.Canceled", res.Interrupted, err)
	}
	if len(res.Rows) != 1 || res.Rows[0].Server != "LOCAL" {
		t.Errorf("rows = %+v; want LOCAL's only, done before the interrupt", res.Rows)
	}
	var b bytes.Buffer
	WriteTable(&b, res)
	if !strings.Contains(b.String(), "interrupted") {
		t.Errorf("the table does not say the run was interrupted:\n%s", b.String())
	}
}

// TestRunInterruptExit: "flags2 bench" interrupted exits 130 and still
// prints what it measured.
func TestRunInterruptExit(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	code, _, stderr := bench(t, ctx, "--client", flags2(t), "--servers", "LOCAL", "--ladder", "1", "--codes", "a",
		"--limit", "1", "--reps", "1", "--svg", "", "-q")
	if code != 130 {
		t.Errorf("exit %d; want 130\nstderr: %s", code, stderr)
	}
}

// TestMissingExternal: an external command that cannot run is a failed
// measurement, not a time: bench exits 1, shows what the command said on
// stderr, and writes no table row and no plot.
func TestMissingExternal(t *testing.T) {
	t.Parallel()
	svg := filepath.Join(t.TempDir(), "plot.svg")
	code, stdout, stderr := bench(t, context.Background(), "--client", flags2(t), "--strategies", "loop",
		"--servers", "LOCAL", "--ladder", "1", "--codes", "a", "--limit", "3", "--reps", "1", "-q",
		"--external", "/nonexistent/flags2_asyncio.py -s {base_url} {codes}", "--svg", svg, "--dest", t.TempDir())
	if code != 1 {
		t.Errorf("exit %d; want 1", code)
	}
	for _, want := range []string{"external LOCAL -a m=-", "the server got requests for 0 of its 3 codes", "not a measurement",
		"/nonexistent/flags2_asyncio.py"} { // the shell's own words about it vary
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if stdout != "" {
		t.Errorf("stdout = %q; want no table", stdout)
	}
	if _, err := os.Stat(svg); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a plot was written (%v); want none", err)
	}
}

// TestExternalExitStatus: a command that did its work and then exits
// non-zero is measured, and its row carries the exit status.
func TestExternalExitStatus(t *testing.T) {
	t.Parallel()
	bin := flags2(t)
	ext := bin + " {codes} -s {base_url} --no-embed --dest {dest} >/dev/null; exit 3"
	code, stdout, stderr := bench(t, context.Background(), "--client", bin, "--strategies", "loop",
		"--servers", "LOCAL", "--ladder", "1", "--codes", "a", "--limit", "3", "--reps", "1", "-q",
		"--external", ext, "--svg", "", "--dest", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d; want 0\nstderr: %s", code, stderr)
	}
	lines := strings.Split(stdout, "\n")
	i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "external") })
	if i < 0 || !strings.HasSuffix(lines[i], "exit 3") {
		t.Errorf("no external row ending in \"exit 3\":\n%s", stdout)
	}
	if !strings.Contains(stdout, "exit status 3 in 1 of 1 runs") {
		t.Errorf("the footer does not note the exit status:\n%s", stdout)
	}
}

func fmtEff(e *float64) string {
	if e == nil {
		return "none"
	}
	return strconv.FormatFloat(*e, 'f', 3, 64)
}

// memDir is a fresh folder in /dev/shm when there is one, so that runs
// measured for their concurrency do not wait on the disk; else a temporary
// folder.
func memDir(t *testing.T) string {
	t.Helper()
	if dir, err := os.MkdirTemp("/dev/shm", "bench-test-*"); err == nil {
		t.Cleanup(func() { os.RemoveAll(dir) })
		return dir
	}
	return t.TempDir()
}

var (
	flags3Once sync.Once
	flags3Bin  string
	flags3Err  error
)

// flags3 builds the flags3 command once per test binary.
func flags3(t *testing.T) string {
	t.Helper()
	flags3Once.Do(func() {
		flags3Bin = filepath.Join(filepath.Dir(flags2(t)), "flags3")
		out, err := exec.Command(clienttest.GoCommand(t), "build", "-o", flags3Bin, "flagsuite/flags3").CombinedOutput()
		if err != nil {
			flags3Err = fmt.Errorf("go build flagsuite/flags3: %v\n%s", err, out)
		}
	})
	if flags3Err != nil {
		t.Fatal(flags3Err)
	}
	return flags3Bin
}

// TestClientFlags3 measures flags3, two requests per code, as --client: on
// DELAY its efficiency counts the requests the server received, so it is
// near 1 at m=10 and 100, not the 0.5 of one request per code; on ERROR its
// errors match the codes the server failed, so no warning; the table and
// the plot name flags3.
func TestClientFlags3(t *testing.T) {
	t.Parallel()
	bin := flags3(t)
	// Each rung gets codes enough for 4 rounds of a 1 s wait (40 requests at
	// m=10, 388 at m=100), so that the fixed costs of a run (dialling 100
	// connections, the last write, this process's server slowed by -race
	// and a busy machine) stay small beside them; a folder in memory keeps
	// the disk's syncs out of a measure of concurrency.
	for _, tt := range []struct{ m, limit int }{{10, 20}, {100, 0}} {
		t.Run(fmt.Sprintf("m=%d", tt.m), func(t *testing.T) {
			t.Parallel()
			cfg := Config{Client: bin, Strategies: []string{"loop"}, Servers: []string{"DELAY", "ERROR"}, Ladder: []int{tt.m},
				Codes: []string{"-a"}, Limit: tt.limit, Delay: time.Second, Reps: 1, MaxCell: time.Minute, Dest: memDir(t)}
			res, err := Measure(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			checkFlags3(t, res)
		})
	}
}

// checkFlags3 checks the rows of flags3 measured on DELAY and ERROR, and
// that the table and the plot name it.
func checkFlags3(t *testing.T, res Result) {
	t.Helper()
	if len(res.Rows) != 2 {
		t.Fatalf("%d rows; want 2, DELAY and ERROR", len(res.Rows))
	}
	for _, r := range res.Rows {
		// On ERROR, the pool's worker asks for no metadata after a failed image.
		if r.Server == "DELAY" && r.PerCode != 2 || r.PerCode < 1.5 || r.Client != "flags3" {
			t.Errorf("%s %s m=%d: %g requests per code by %q; want 2 (1.5 or more on ERROR) by flags3",
				r.Strategy, r.Server, r.Concurrency, r.PerCode, r.Client)
		}
		if r.Server == "DELAY" && (r.Efficiency == nil || *r.Efficiency < 0.9) {
			t.Errorf("%s DELAY m=%d: efficiency %v; want >= 0.9", r.Strategy, r.Concurrency, fmtEff(r.Efficiency))
		}
		if r.Server == "ERROR" && r.Errors == 0 {
			t.Errorf("%s ERROR m=%d: no errors", r.Strategy, r.Concurrency)
		}
	}
	for _, n := range res.Notes {
		if strings.Contains(n, "differ") {
			t.Errorf("a mismatch warning: %s", n)
		}
	}
	var b bytes.Buffer
	WriteTable(&b, res)
	if first, _, _ := strings.Cut(b.String(), "\n"); !strings.Contains(first, "client flags3") {
		t.Errorf("table header %q does not name flags3", first)
	}
	b.Reset()
	WriteSVG(&b, res)
	if !bytes.Contains(b.Bytes(), []byte("flags2 bench: flags3, time against concurrency")) {
		t.Errorf("the plot's title does not name flags3")
	}
}

func TestClientThatIsNotFlags2(t *testing.T) {
	t.Parallel()
	code, _, stderr := bench(t, context.Background(), "--client", "/bin/true", "--servers", "LOCAL",
		"--ladder", "1", "--codes", "a", "--reps", "1", "--svg", "", "-q")
	if code != 1 || !strings.Contains(stderr, "does not run as flags2") {
		t.Errorf("exit %d, stderr %q; want 1 and a message about the client", code, stderr)
	}
}
