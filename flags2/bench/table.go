package bench

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"flagsuite/common/strategy"
)

// WriteTable prints the results for a reader: a header line that says what
// was measured, one line per row (a blank line between code sets and
// servers), and a footer that says how to read the columns and which cells
// were skipped or shortened.
func WriteTable(w io.Writer, res Result) error {
	bw := bufio.NewWriter(w)
	cfg := res.Config
	fmt.Fprintf(bw, "flags2 bench · client %s · %s · %s · %s\n", ClientName(cfg.Client), serversLine(cfg), repsLine(cfg), cores(res.Cores))
	fmt.Fprintf(bw, "%-10s  %-6s  %-5s  %4s  %4s  %9s  %6s  %8s  %6s  %5s  %6s  %5s  %6s  %s\n",
		"strategy", "server", "codes", "m", "reps", "median", "spread", "req/s", "req/cc", "peak", "errors", "eff", "rss MB", "note")
	var prev Row
	seq := false
	for i, r := range res.Rows {
		if i > 0 && (r.Codes != prev.Codes || r.Server != prev.Server) {
			bw.WriteString("\n")
		}
		prev = r
		m := rung(r.Concurrency)
		if strategy.Name(r.Strategy).IgnoresM() {
			m += "*"
			seq = true
		}
		spread := "-"
		if r.Reps > 1 {
			spread = fmt.Sprintf("%.0f%%", 100*r.Spread)
		}
		eff := "-"
		if r.Efficiency != nil {
			eff = fmt.Sprintf("%.2f", *r.Efficiency)
		}
		median := fmt.Sprintf("%.3fs", r.MedianS)
		if r.Extrapolated {
			median = "~" + median
		}
		line := fmt.Sprintf("%-10s  %-6s  %-5s  %4s  %4d  %9s  %6s  %8.0f  %6.2f  %5d  %6d  %5s  %6.1f  %s",
			r.Strategy, r.Server, r.Codes, m, r.Reps, median, spread, r.ReqPerS, r.PerCode, r.PeakInFlight, r.Errors, eff,
			float64(r.PeakRSSKB)/1024, strings.Join(rowNotes(r), ", "))
		fmt.Fprintln(bw, strings.TrimRight(line, " "))
	}
	if len(res.Rows) == 0 {
		bw.WriteString("(no cell measured)\n")
	}

	bw.WriteString("\n")
	for _, line := range footer(res, seq) {
		fmt.Fprintf(bw, "%s\n", line)
	}
	return bw.Flush()
}

// rowNotes are the marks of a row that its numbers alone do not show.
func rowNotes(r Row) []string {
	var notes []string
	if r.Noisy {
		notes = append(notes, "noisy")
	}
	if r.ExitStatus != 0 {
		notes = append(notes, fmt.Sprintf("exit %d", r.ExitStatus))
	}
	if r.Extrapolated {
		notes = append(notes, fmt.Sprintf("from %d codes", r.MeasuredOn))
	}
	return notes
}

// repsLine says how many runs a cell gets.
func repsLine(cfg Config) string {
	s := fmt.Sprintf("%d rep%s", cfg.Reps, plural(cfg.Reps))
	if cfg.MaxReps > cfg.Reps {
		s += fmt.Sprintf(" (up to %d while noisy)", cfg.MaxReps)
	}
	return s
}

// serversLine describes the servers as configured.
func serversLine(cfg Config) string {
	var parts []string
	for _, s := range cfg.Servers {
		switch s {
		case "LOCAL":
			parts = append(parts, "LOCAL no wait")
		case "DELAY":
			parts = append(parts, fmt.Sprintf("DELAY d=%s", cfg.Delay))
		case "ERROR":
			rate := cfg.ErrorRate
			if rate == 0 {
				rate = 0.25
			}
			rate = max(rate, 0)
			wait := "no wait"
			if cfg.ErrorDelay > 0 {
				wait = "wait " + cfg.ErrorDelay.String()
			}
			parts = append(parts, fmt.Sprintf("ERROR %.0f%% 418, seed %d, %s", 100*rate, cfg.Seed, wait))
		}
	}
	return strings.Join(parts, " · ")
}

func footer(res Result, seq bool) []string {
	cfg := res.Config
	lines := []string{
		"median: of the client's own elapsed_s (its --json report: first request to last file saved), not of",
		fmt.Sprintf("  the process: start-up and exit, a median %s per run here, are left out.", res.Startup.Round(time.Millisecond)),
		"spread: (slowest - fastest) / median of the runs, leaving out the n/4 fastest and slowest from 4 runs on.",
		fmt.Sprintf("  noisy: a spread over %.0f%% after up to %d runs, as many as fit in --max-cell %s: read its median", 100*cfg.Noise, cfg.MaxReps, cfg.MaxCell),
		"  as a rough value only.",
		"req/s: requests the server received / median.  req/cc: requests the server received per code (2 for",
		"  flags3).  peak: the most requests in flight at the server at once.  errors: the most in one run.",
		"  rss: the client's peak resident memory (rusage of the child process).",
		fmt.Sprintf("eff (DELAY): ideal ⌈R/m⌉·d / median with R the requests the server received and d = %s;", cfg.Delay),
		"  1.00 means the client adds nothing to the server's wait.  Codes per set: " + sizes(cfg) + ".",
	}
	if seq {
		lines = append(lines, "*: sequential ignores -m (one request at a time): measured at m=1 only, the same at every rung.")
	}
	if cfg.Limit > 0 {
		lines = append(lines, fmt.Sprintf("--limit %d: each code set is cut to its first %d codes.", cfg.Limit, cfg.Limit))
	}
	if slices.Contains(cfg.Servers, "ERROR") && cfg.ErrorDelay == 0 {
		lines = append(lines, "ERROR answers without the book's 0.5s wait (--error-delay adds it): its cells time error handling.")
	}
	for i, ext := range cfg.External {
		lines = append(lines, fmt.Sprintf("%s: %s (timed by its process's wall time unless it prints a flags2 --json report)",
			externalLabel(i, len(cfg.External)), ext))
	}
	lines = append(lines, res.Notes...)
	if res.Interrupted {
		lines = append(lines, "interrupted: the rows show the runs finished before; the reps column says how many.")
	}
	lines = append(lines, fmt.Sprintf("%d cell%s measured in %s.", len(res.Rows), plural(len(res.Rows)), res.Elapsed.Round(100*time.Millisecond)))
	return lines
}

// sizes says how many codes each code set has.
func sizes(cfg Config) string {
	var parts []string
	for _, c := range cfg.Codes {
		parts = append(parts, fmt.Sprintf("%d for %s", len(codeSet(c, cfg.Limit)), c))
	}
	return strings.Join(parts, ", ")
}

// cores describes the machine in the header line.
func cores(n int) string {
	if n <= 0 {
		return "cores unknown"
	}
	return fmt.Sprintf("%d core%s", n, plural(n))
}
