package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Result is what Measure found.
type Result struct {
	Config      Config   // with its defaults filled in
	Rows        []Row    // one per measured cell, in table order
	Notes       []string // cells skipped or shortened, and anything odd seen
	Interrupted bool     // ctx was cancelled: Rows holds the runs done before
	Elapsed     time.Duration
	Startup     time.Duration // median process start-up and exit of the client: wall time - elapsed_s
	Cores       int           // GOMAXPROCS of the runner: the CPUs the runs shared
}

// programsOf finds the programs a bench launches: this one (the launcher),
// and the client measured, which is this one too unless cfg.Client names
// another.
func programsOf(cfg Config) (programs, error) {
	self, err := os.Executable()
	if err != nil {
		return programs{}, fmt.Errorf("finding this program, to launch the runs: %w", err)
	}
	progs := programs{self: self, client: strings.Fields(cfg.Client)}
	if len(progs.client) == 0 {
		progs.client = []string{self}
	}
	return progs, nil
}

// Measure runs the cells of cfg one child process at a time (never two at
// once, so they do not compete for the CPU) and aggregates them into rows.
// Runs go repetition by repetition over all cells rather than cell by cell,
// so that a passing disturbance of the machine spreads over many cells
// instead of skewing one. When ctx is cancelled it stops the run under way
// and returns, with Interrupted set, the rows of the runs done so far.
func Measure(ctx context.Context, cfg Config) (res Result, err error) {
	cfg = cfg.withDefaults()
	res.Config, res.Cores = cfg, coresOf()
	start := time.Now()
	defer func() { res.Elapsed = time.Since(start) }()

	progs, err := programsOf(cfg)
	if err != nil {
		return res, err
	}
	cells, notes := plan(cfg)
	servers, stop, err := startServers(cfg, cfg.Servers)
	if err != nil {
		return res, err
	}
	defer stop()

	runCell := runOnce
	if cfg.runCell != nil {
		runCell = cfg.runCell
	}
	if err := warmUp(ctx, cfg, progs, servers[cfg.Servers[0]], runCell); err != nil {
		res.Interrupted = ctx.Err() != nil
		return res, err
	}

	prog := newTracker(cfg.Progress, cells)
	maxReps := 0
	for _, c := range cells {
		maxReps = max(maxReps, c.reps)
	}
	// Each round runs every cell that still wants a run: first the planned
	// reps, then one more for each noisy cell, while the cell's budget
	// allows and the extra runs have taken less than half the time of the
	// planned ones: on a busy machine most short cells are noisy, and
	// repeating all of them would triple the time of the bench.
	var planned, extra time.Duration
	for round := 0; ; round++ {
		var due []*cell
		for _, c := range cells {
			if round < maxReps && round < c.reps || round >= maxReps && c.wantsMore(cfg) {
				due = append(due, c)
			}
		}
		if len(due) == 0 || round >= maxReps && extra >= planned/2 {
			break
		}
		for _, c := range due {
			if round >= maxReps && extra >= planned/2 {
				break
			}
			prog.begin(c, len(c.runs))
			r, err := runCell(ctx, cfg, progs, c, servers[c.server])
			if err != nil {
				prog.finish()
				res.Rows, res.Notes, res.Startup = finish(cfg, cells, notes)
				res.Interrupted = ctx.Err() != nil
				if res.Interrupted {
					err = context.Cause(ctx)
				}
				return res, err
			}
			c.runs = append(c.runs, r)
			c.spent += r.wall
			if round < maxReps {
				planned += r.wall
			} else {
				extra += r.wall
			}
			prog.end(c, r.wall)
		}
	}
	prog.finish()
	res.Rows, res.Notes, res.Startup = finish(cfg, cells, notes)
	return res, nil
}

// cellRunner runs a cell once against an endpoint: runOnce, or a test's fake.
type cellRunner func(ctx context.Context, cfg Config, progs programs, c *cell, srv endpoint) (run, error)

// wantsMore reports whether a cell whose planned runs are done gets another:
// its spread is over cfg.Noise, it has had fewer than cfg.MaxReps runs, and
// one more run of its average length still fits in cfg.MaxCell.
func (c *cell) wantsMore(cfg Config) bool {
	n := len(c.runs)
	if n == 0 || n >= cfg.MaxReps || spreadOf(c.times()) <= cfg.Noise {
		return false
	}
	return c.spent+c.spent/time.Duration(n) <= cfg.MaxCell
}

// warmUp runs the client once, untimed, so that the first measured run
// does not pay for loading the binary from disk, and so that a client that
// cannot run at all fails here with its own words.
func warmUp(ctx context.Context, cfg Config, progs programs, srv endpoint, runCell cellRunner) error {
	c := &cell{label: "loop", server: cfg.Servers[0], codes: "-a", n: 1, full: 1, limit: 1, m: 1}
	_, err := runCell(ctx, cfg, progs, c, srv)
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("the client %s does not run as flags2: %w", strings.Join(progs.client, " "), err)
	}
	return err
}

// finish turns the cells with runs into rows (all of them, unless
// interrupted), and adds the notes that only the runs can tell.
func finish(cfg Config, cells []*cell, notes []string) ([]Row, []string, time.Duration) {
	var rows []Row
	var startups []time.Duration
	for _, c := range cells {
		if len(c.runs) == 0 {
			continue
		}
		rows = append(rows, aggregate(cfg, c, ClientName(cfg.Client)))
		bad, failed, exit := 0, 0, 0
		for _, r := range c.runs {
			if r.report {
				startups = append(startups, r.wall-r.elapsed)
				if r.errors != r.failed {
					bad++
				}
			}
			if r.exit != 0 {
				failed++
				exit = r.exit
			}
		}
		if bad > 0 {
			notes = append(notes, fmt.Sprintf("%s: in %d run%s the errors reported differ from the %d codes the server failed",
				describe(c), bad, plural(bad), c.runs[0].failed))
		}
		if failed > 0 {
			notes = append(notes, fmt.Sprintf("%s: exit status %d in %d of %d runs (shown as \"exit %d\")",
				describe(c), exit, failed, len(c.runs), exit))
		}
	}
	return rows, notes, medianDuration(startups)
}

// ClientName is how tables and plots name the client measured: "flags2"
// for this program, else the program's base name and its own options
// ("flags3 --order book" for "/tmp/flags3 --order book").
func ClientName(client string) string {
	f := strings.Fields(client)
	if len(f) == 0 {
		return "flags2"
	}
	f[0] = filepath.Base(f[0])
	return strings.Join(f, " ")
}

// coresOf is GOMAXPROCS of the runner: the CPUs the runs shared.
func coresOf() int { return runtime.GOMAXPROCS(0) }
