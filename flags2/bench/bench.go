// Package bench is the experiment runner behind "flags2 bench": it measures
// the client's strategies over a ladder of concurrency against in-process
// LOCAL, DELAY and ERROR servers, and reports the book's timing comparisons
// as a table, JSON or CSV, and an SVG plot. With --faults it runs the
// error-handling experiments instead (see Faults and MeasureFaults).
//
// Each measured run is a child process: this program (or --client) run as
// flags2 with --json, so that the time is the client's own elapsed_s (from
// its first request to its last file saved, without process start-up) and
// the memory is that run's own peak RSS, from the child's rusage. The
// servers stay in this process, on free loopback ports; each run gets a
// fresh site, so its stats (peak in-flight, requests, injected errors)
// are its own and ERROR replays the same seeded sequence of failures. What
// the server did for each code (its ledger, read from the site's request
// log) is the measure of every client alike: requests per code, codes asked
// for, codes failed. A run that did not do its work is no measurement: the
// bench stops with the command's stderr.
//
//	plan: strategies × servers × code sets × ladder ──► cells (skips, subsets, reps)
//	        │ for rep 1..R, every cell that still needs one; then noisy cells again
//	        ▼
//	  fresh site + ledger ◄── child process: flags2 --json … ──► run{elapsed, rss, …}
//	        │
//	        ▼
//	  rows (median, spread, noisy, req/s, req/cc, peak, errors, efficiency) ──► table | JSON | CSV, SVG
package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"flagsuite/common/command"
)

// Config says what to measure. The zero value measures the default matrix
// with the defaults of the options.
type Config struct {
	Strategies []string      // "sequential", "pool", "loop"; all three when empty
	Servers    []string      // "LOCAL", "DELAY", "ERROR"; all three when empty
	Codes      []string      // "-a", "-e"; both when empty
	Ladder     []int         // concurrency rungs: 1, 10, 100, 1000 when empty
	Reps       int           // runs of each cell: DefaultReps when 0
	Delay      time.Duration // DELAY's fixed wait before every GET: DefaultDelay when 0
	ErrorDelay time.Duration // ERROR's wait before every GET: none when 0
	ErrorRate  float64       // ERROR's share of failed GETs: 0.25 when 0, none when negative
	Seed       int64         // ERROR's seed
	Limit      int           // when > 0, each code set is cut to its first Limit codes
	// MaxCell bounds the time of one cell by its ideal time ⌈N/m⌉·wait:
	// longer cells are skipped (sequential ones measured on Subset codes
	// instead), and a cell runs only as many times as fit in MaxCell (at
	// least once, at most Reps, or MaxReps while noisy). DefaultMaxCell when 0.
	MaxCell time.Duration
	// Noise is the spread (see spreadOf) above which a cell is noisy: it
	// gets more runs, one per round, up to MaxReps and while they fit in
	// MaxCell, and is marked noisy if it stays so. DefaultNoise when 0.
	Noise   float64
	MaxReps int // DefaultMaxReps when 0; at least Reps
	// Subset is how many codes a sequential cell over MaxCell runs, its
	// time scaled to the full set; DefaultSubset when 0, none when negative.
	Subset int
	// External command lines timed on the same servers, after the client;
	// see expand for their placeholders.
	External []string
	// Client is the flags2-compatible program to measure, with any options
	// of its own after it ("/tmp/flags3 --order book"); this program
	// (os.Executable) when empty, which is flags2 itself under "flags2 bench".
	Client string
	// Dest is where each run gets a fresh download folder, removed after
	// the run; the system's temporary folder when empty.
	Dest string
	// Progress receives progress lines; nil shows none.
	Progress io.Writer
	// Faults, when set, makes this a run of the error-handling experiments
	// (MeasureFaults) instead of the strategy matrix.
	Faults *Faults

	// onStart, when set, is called as each run's process has started, with
	// the cell's server: tests interrupt a run once it is under way.
	onStart func(server string)
	// runCell, when set, replaces runOnce: tests feed the measurement loop
	// runs of known times.
	runCell cellRunner
}

func (c Config) withDefaults() Config {
	if len(c.Strategies) == 0 {
		c.Strategies = DefaultStrategies
	}
	if len(c.Servers) == 0 {
		c.Servers = DefaultServers
	}
	if len(c.Codes) == 0 {
		c.Codes = DefaultCodes
	}
	if len(c.Ladder) == 0 {
		c.Ladder = DefaultLadder
	}
	if c.Reps <= 0 {
		c.Reps = DefaultReps
	}
	if c.Delay <= 0 {
		c.Delay = DefaultDelay
	}
	if c.MaxCell <= 0 {
		c.MaxCell = DefaultMaxCell
	}
	if c.Noise <= 0 {
		c.Noise = DefaultNoise
	}
	if c.MaxReps <= 0 {
		c.MaxReps = DefaultMaxReps
	}
	c.MaxReps = max(c.MaxReps, c.Reps)
	if c.Subset == 0 {
		c.Subset = DefaultSubset
	}
	return c
}

// Run is the sub-command "flags2 bench": args are those after "bench". It
// returns the exit status (see cli.Exit…).
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == launchArg {
		return launch(ctx, args[1:], stdout, stderr)
	}
	o, err := parse(args, stdout)
	if err != nil {
		return command.ReportError(err, "flags2 bench", Usage, stderr)
	}
	if !o.quiet {
		o.cfg.Progress = stderr
	}

	if o.cfg.Faults != nil {
		return runFaults(ctx, o, stdout, stderr)
	}
	res, err := Measure(ctx, o.cfg)
	if err != nil && !res.Interrupted {
		fmt.Fprintf(stderr, "flags2 bench: %v\n", err)
		return command.ExitFatal
	}
	return o.emit(stdout, stderr, res.Interrupted, len(res.Rows) > 0, outputs{
		json:  func(w io.Writer) error { return WriteJSON(w, res.Rows) },
		csv:   func(w io.Writer) error { return WriteCSV(w, res.Rows) },
		table: func(w io.Writer) error { return WriteTable(w, res) },
		svg:   func(w io.Writer) error { return WriteSVG(w, res) },
	})
}

// outputs are the ways one result can be written.
type outputs struct{ json, csv, table, svg func(io.Writer) error }

// emit writes a result in the chosen format to stdout and its plot to
// o.svg (when there are rows), and gives the exit status: 130 when the
// run was interrupted and the result is partial.
func (o options) emit(stdout, stderr io.Writer, interrupted, hasRows bool, out outputs) int {
	var err error
	switch o.format {
	case formatJSON:
		err = out.json(stdout)
	case formatCSV:
		err = out.csv(stdout)
	default:
		err = out.table(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "flags2 bench: writing the results: %v\n", err)
		return command.ExitFatal
	}
	if o.svg != "" && hasRows {
		if err := writeFile(o.svg, out.svg); err != nil {
			fmt.Fprintf(stderr, "flags2 bench: %v\n", err)
			return command.ExitFatal
		}
		if !o.quiet {
			fmt.Fprintf(stderr, "flags2 bench: plot written to %s\n", o.svg)
		}
	}
	if interrupted {
		fmt.Fprintf(stderr, "flags2 bench: interrupted; the results above are partial\n")
		return command.ExitInterrupted
	}
	return command.ExitOK
}

// writeFile writes a plot with write to a temporary file renamed into place,
// so that a browser open on the old plot never reads half a new one.
func writeFile(name string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(name), ".bench-*.svg")
	if err != nil {
		return fmt.Errorf("writing the plot: %w", err)
	}
	defer os.Remove(f.Name()) // fails harmlessly once renamed
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("writing the plot: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing the plot: %w", err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return fmt.Errorf("writing the plot: %w", err)
	}
	if err := os.Rename(f.Name(), name); err != nil {
		return fmt.Errorf("writing the plot: %w", err)
	}
	return nil
}

// runFaults is "flags2 bench --faults": the error-handling experiments.
func runFaults(ctx context.Context, o options, stdout, stderr io.Writer) int {
	res, err := MeasureFaults(ctx, o.cfg)
	if err != nil && !res.Interrupted {
		fmt.Fprintf(stderr, "flags2 bench: %v\n", err)
		return command.ExitFatal
	}
	return o.emit(stdout, stderr, res.Interrupted, len(res.Rows) > 0, outputs{
		json:  func(w io.Writer) error { return WriteFaultsJSON(w, res.Rows) },
		csv:   func(w io.Writer) error { return WriteFaultsCSV(w, res.Rows) },
		table: func(w io.Writer) error { return WriteFaultsTable(w, res) },
		svg:   func(w io.Writer) error { return WriteFaultsSVG(w, res) },
	})
}
