package bench

import (
	"context"
	"fmt"
	"os"
	"runtime"
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

// Measure runs the cells of cfg one child process at a time (never two at
// once, so they do not compete for the CPU) and aggregates them into rows.
// Runs go repetition by repetition over all cells rather than cell by cell,
// so that a passing disturbance of the machine spreads over many cells
// instead of skewing one. When ctx is cancelled it stops the run under way
// and returns, with Interrupted set, the rows of the runs done so far.
func Measure(ctx context.Context, cfg Config) (res Result, err error) {
	cfg = cfg.withDefaults()
	res.Config, res.Cores = cfg, runtime.GOMAXPROCS(0)
	start := time.Now()
	defer func() { res.Elapsed = time.Since(start) }()

	self, err := os.Executable()
	if err != nil {
		return res, fmt.Errorf("finding this program, to launch the runs: %w", err)
	}
	progs := programs{self: self, client: cfg.Client}
	if progs.client == "" {
		progs.client = self
	}
	cells, notes := plan(cfg)
	servers, stop, err := startServers(cfg, cfg.Servers)
	if err != nil {
		return res, err
	}
	defer stop()

	if err := warmUp(ctx, cfg, progs, servers[cfg.Servers[0]]); err != nil {
		res.Interrupted = ctx.Err() != nil
		return res, err
	}

	prog := newTracker(cfg.Progress, cells)
	maxReps := 0
	for _, c := range cells {
		maxReps = max(maxReps, c.reps)
	}
	for rep := range maxReps {
		for _, c := range cells {
			if rep >= c.reps {
				continue
			}
			prog.begin(c, rep)
			r, err := runOnce(ctx, cfg, progs, c, servers[c.server])
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
			prog.end(c, r.wall)
		}
	}
	prog.finish()
	res.Rows, res.Notes, res.Startup = finish(cfg, cells, notes)
	return res, nil
}

// warmUp runs the client once, untimed, so that the first measured run
// does not pay for loading the binary from disk, and so that a client that
// cannot run at all fails here with its own words.
func warmUp(ctx context.Context, cfg Config, progs programs, srv *server) error {
	c := &cell{label: "loop", server: srv.label, codes: "-a", n: 1, m: 1}
	warm := cfg
	warm.Limit = 1
	_, err := runOnce(ctx, warm, progs, c, srv)
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("the client %s does not run as flags2: %w", progs.client, err)
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
		rows = append(rows, aggregate(cfg, c))
		bad, failed := 0, 0
		for _, r := range c.runs {
			if r.report {
				startups = append(startups, r.wall-r.elapsed)
				if c.server == "ERROR" && int64(r.errors) != r.injected {
					bad++
				}
			}
			if r.exit != 0 {
				failed++
			}
		}
		if bad > 0 {
			notes = append(notes, fmt.Sprintf("%s: in %d run%s the errors reported differ from the %d failures the server injected",
				describe(c), bad, plural(bad), c.runs[0].injected))
		}
		if failed > 0 {
			notes = append(notes, fmt.Sprintf("%s: non-zero exit status in %d of %d runs", describe(c), failed, len(c.runs)))
		}
	}
	return rows, notes, medianDuration(startups)
}
