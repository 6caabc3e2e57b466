package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"flagsuite/common/report"
)

// run is one measured run of a cell.
type run struct {
	elapsed  time.Duration // the client's own elapsed_s; the process's wall time when there is no report
	wall     time.Duration // from starting the process to its exit
	requests int64         // requests the server received
	peak     int64         // the most requests in flight at the server at once
	codes    int           // codes the server received requests for
	paths    int           // the most files the client asked for of one code
	errors   int           // errors the client reported; for a command without a report, the codes the server failed
	failed   int           // codes the server failed (see ledger.view): what a client should count as errors
	injected int64         // failures the server injected
	rssKB    int64         // the child's peak resident memory
	exit     int           // the child's exit status
	report   bool          // elapsed and errors come from a flags2-style JSON report

	// From the client's report, for the error-handling experiments.
	ok, notFound int
	kinds        map[string]int // errors by kind (see errorKind)
	p99ms        float64        // the client's p99 request latency
}

// childLimit bounds one run: far above any sane run of a cell, so that
// only a hung child meets it.
func childLimit(c *cell) time.Duration { return time.Minute + 3*c.ideal }

// clientArgs is the flags2 command line of a cell's run.
func clientArgs(c *cell, base, dest string) []string {
	args := []string{"--strategy", c.label, "-m", strconv.Itoa(max(c.m, 1)), c.codes}
	if c.limit > 0 {
		args = append(args, "-l", strconv.Itoa(c.limit))
	}
	args = append(args, c.extra...)
	return append(args, "-s", base, "--json", "--no-embed", "--dest", dest)
}

// expand fills an external command's placeholders: {base_url}, {server}
// (the label), {codes} (-a or -e, then -l N when --limit is set), {m} and
// {dest} (a fresh folder for the run).
func expand(command string, c *cell, base, dest string) string {
	codes := c.codes
	if c.limit > 0 {
		codes += " -l " + strconv.Itoa(c.limit)
	}
	return strings.NewReplacer(
		"{base_url}", base, "{server}", c.server, "{codes}", codes,
		"{m}", strconv.Itoa(c.m), "{dest}", dest,
	).Replace(command)
}

// programs are the executables of a measurement.
type programs struct {
	self   string   // this program, started as the launcher of each run
	client []string // the flags2-compatible client measured, with any arguments of its own
}

// runOnce runs the cell once against srv: the launcher starts the client
// (or the external command, through /bin/sh) and reports its rusage.
func runOnce(ctx context.Context, cfg Config, progs programs, c *cell, srv endpoint) (run, error) {
	dest, err := os.MkdirTemp(cfg.Dest, "flags2-bench-*")
	if err != nil {
		return run{}, fmt.Errorf("making a download folder: %w", err)
	}
	defer os.RemoveAll(dest)

	argv := []string{"bench", launchArg}
	if c.command == "" {
		argv = append(append(argv, progs.client...), clientArgs(c, srv.baseURL(), dest)...)
	} else {
		argv = append(argv, "/bin/sh", "-c", expand(c.command, c, srv.baseURL(), dest))
	}
	runCtx, cancel := context.WithTimeout(ctx, childLimit(c))
	defer cancel()
	cmd := exec.CommandContext(runCtx, progs.self, argv...)
	cmd.Dir = dest
	// Ctrl-C and the time limit interrupt the run as a user would, so it
	// stops cleanly; one that does not is killed a little later.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &tail{max: 4 << 10, buf: &stderr}
	reports, w, err := os.Pipe()
	if err != nil {
		return run{}, err
	}
	defer reports.Close()
	cmd.ExtraFiles = []*os.File{w} // fd 3 of the launcher

	cur := srv.fresh()
	err = cmd.Start()
	w.Close()
	if err != nil {
		return run{}, fmt.Errorf("%s: %w", describe(c), err)
	}
	if cfg.onStart != nil {
		cfg.onStart(c.server)
	}
	err = cmd.Wait()
	sc := cur.counts()
	if ctx.Err() != nil { // interrupted: this run does not count
		return run{}, ctx.Err()
	}
	if runCtx.Err() != nil {
		return run{}, fmt.Errorf("%s: still running after %s", describe(c), childLimit(c))
	}
	var lr launchReport
	if jerr := json.NewDecoder(reports).Decode(&lr); jerr != nil {
		return run{}, &failedRun{what: describe(c), why: fmt.Sprintf("the launcher did not report (%v)", err), stderr: stderr.String()}
	}
	wall := time.Duration(lr.WallNS)
	r := run{
		elapsed: wall, wall: wall, requests: sc.requests, peak: sc.peak, codes: sc.view.codes, paths: sc.view.paths,
		errors: sc.view.failed, failed: sc.view.failed, injected: sc.injected, rssKB: lr.MaxRSSKB, exit: lr.Exit,
	}

	var rep report.JSON
	if json.Unmarshal(stdout.Bytes(), &rep) == nil && rep.Requested > 0 {
		r.elapsed = time.Duration(rep.ElapsedS * float64(time.Second))
		r.errors, r.report = rep.Errors, true
		r.ok, r.notFound, r.p99ms, r.kinds = rep.OK, rep.NotFound, rep.LatencyMS.P99, errorKinds(rep.Results)
	}
	if c.command != "" {
		// A command that did not ask for every code did not do the work
		// being timed (it is missing, or fails at once): its time is no
		// result. One that did its work and then exits non-zero (curl -f
		// on a 404) is kept, its exit status shown beside its time.
		if r.codes < c.n {
			why := fmt.Sprintf("the server got requests for %d of its %d codes", r.codes, c.n)
			if r.exit != 0 {
				why = fmt.Sprintf("exit status %d; %s", r.exit, why)
			}
			return r, &failedRun{what: describe(c), why: why, stderr: stderr.String()}
		}
		return r, nil
	}
	switch {
	case r.exit != 0:
		return r, &failedRun{what: describe(c), why: fmt.Sprintf("exit status %d", r.exit), stderr: stderr.String()}
	case !r.report:
		return r, fmt.Errorf("%s: no JSON report on stdout: %.200q", describe(c), stdout.String())
	case rep.Interrupted || rep.OK+rep.NotFound+rep.Errors != rep.Requested || rep.Requested != c.n:
		return r, fmt.Errorf("%s: the report counts %d ok, %d not found, %d errors of %d requested; want %d codes, all counted",
			describe(c), rep.OK, rep.NotFound, rep.Errors, rep.Requested, c.n)
	}
	return r, nil
}

// failedRun is a run that measured nothing: the bench stops and shows why,
// with the end of what the command printed on stderr.
type failedRun struct {
	what, why string
	stderr    string
}

func (e *failedRun) Error() string {
	msg := fmt.Sprintf("%s: %s; not a measurement", e.what, e.why)
	if tail := lastLines(e.stderr, 12); tail != "" {
		msg += "\n  its stderr ends with:\n    " + strings.ReplaceAll(tail, "\n", "\n    ")
	} else {
		msg += " (its stderr is empty)"
	}
	return msg
}

// lastLines returns the last n non-blank lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n \t"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

func describe(c *cell) string {
	return fmt.Sprintf("%s %s %s m=%s", c.label, c.server, c.codes, rung(c.m))
}

// tail keeps the last max bytes written to it: enough of a failing
// child's stderr to say why, however much it printed.
type tail struct {
	max int
	buf *bytes.Buffer
}

func (t *tail) Write(p []byte) (int, error) {
	t.buf.Write(p)
	if extra := t.buf.Len() - t.max; extra > 0 {
		t.buf.Next(extra)
	}
	return len(p), nil
}

// errorKinds counts a report's errors by kind.
func errorKinds(results []report.JSONResult) map[string]int {
	kinds := map[string]int{}
	for _, r := range results {
		if r.Status == "error" {
			kinds[errorKind(r)]++
		}
	}
	return kinds
}

// errorKind puts an error in a few words that group alike: "http 418",
// "http 5xx", "timeout", "reset", "truncated", "closed", "refused" or "other".
func errorKind(r report.JSONResult) string {
	switch {
	case r.HTTPStatus >= 500 && r.HTTPStatus <= 599:
		return "http 5xx"
	case r.HTTPStatus >= 400:
		return fmt.Sprintf("http %d", r.HTTPStatus)
	}
	msg := strings.ToLower(r.Error)
	for _, k := range []struct{ word, kind string }{
		{"timeout", "timeout"}, {"timed out", "timeout"}, {"deadline", "timeout"},
		{"reset", "reset"}, {"truncated", "truncated"}, {"closed", "closed"}, {"eof", "closed"},
		{"refused", "refused"},
	} {
		if strings.Contains(msg, k.word) {
			return k.kind
		}
	}
	return "other"
}
