// Package runner is the body shared by flags2 and flags3: parse the command
// line, make sure there is a server to talk to, check the destination, run
// the chosen strategy with a family's per-code task, show progress, and
// report. The families differ only in their Task.
package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"flagsuite/common/cli"
	"flagsuite/common/command"
	"flagsuite/common/engine"
	"flagsuite/common/fetch"
	"flagsuite/common/progress"
	"flagsuite/common/report"
	"flagsuite/common/servers"
	"flagsuite/common/store"
	"flagsuite/common/trace"
)

// Family is one client family.
type Family struct {
	Command cli.Command
	// NewTask builds the per-code task of a run.
	NewTask func(client *fetch.Client, cfg cli.Config) engine.Task
	// Serve, when set, starts an in-process server for the run's server
	// when nothing listens at its address (testserver/autoserve.Start); the
	// command wires it in, so this package needs nothing of the servers.
	// It returns a function that stops what it started.
	Serve func(ctx context.Context, srv servers.Server, notice io.Writer, name string) (stop func(), err error)
	// Tune, when set, adjusts the HTTP client's configuration before use;
	// tests shorten the retry backoff with it.
	Tune func(*fetch.Config)
	// FS is the file system the downloads are saved through; nil means
	// store.OS. Tests record or fail its calls (store/storetest).
	FS store.FS
}

// Run is the whole command: it returns the exit status (see cli.Exit…).
func (f Family) Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	name := f.Command.Name
	cfg, err := f.Command.Parse(args, stdout)
	if err != nil {
		return f.Command.ReportParseError(err, stderr)
	}
	// The destination first: a run that cannot save anything should not
	// start a server or send a request.
	if err := store.PrepareDir(cfg.Dest); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return command.ExitFatal
	}
	for _, file := range []string{cfg.Trace, cfg.Timeline} {
		if file == "" {
			continue
		}
		if err := trace.CheckNew(file); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", name, err)
			return command.ExitFatal
		}
	}
	if !cfg.NoEmbed && f.Serve != nil {
		notice := stderr
		if cfg.Progress == "none" { // nothing on stderr but errors
			notice = io.Discard
		}
		stop, err := f.Serve(ctx, cfg.Server, notice, name)
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", name, err)
			return command.ExitFatal
		}
		defer stop()
	}

	fc := fetch.Config{Concurrency: cfg.Concurrency, Timeout: cfg.Timeout, Retries: cfg.Retries, MaxBodySize: cfg.MaxSize}
	if f.Tune != nil {
		f.Tune(&fc)
	}
	client := fetch.New(fc)
	defer client.CloseIdle()
	sum, saveErr := Download(ctx, cfg, f.NewTask(client, cfg), f.FS, stdout, stderr)
	sum.ConnsOpened, sum.ConnsReused = client.Conns()

	if hint := unreachable(sum.Tally); hint != "" {
		fmt.Fprintf(stderr, "%s: every request failed with %q: is %s up? (go run ./testserver starts the book's servers)\n",
			name, hint, cfg.Server.BaseURL)
	}
	if cfg.JSON {
		if err := report.WriteJSON(stdout, sum); err != nil {
			fmt.Fprintf(stderr, "%s: writing the report: %v\n", name, err)
			return command.ExitFatal
		}
	} else {
		report.Final(stdout, sum)
	}
	// The report comes first, whatever happened to the files: a folder that
	// turned read-only must not hide what was downloaded.
	if saveErr != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, saveErr)
	}
	switch {
	case sum.Interrupted:
		return command.ExitInterrupted
	case saveErr != nil:
		return command.ExitFatal
	case cfg.Fail && sum.Tally.Count(report.Error) > 0:
		return command.ExitFatal
	}
	return command.ExitOK
}

// Download runs task over cfg.Codes, saving through fsys (nil: store.OS),
// and returns the summary of the run. It prints the initial report (unless
// cfg.JSON) and, in verbose mode, one line per code; otherwise the live
// progress line on stderr (cfg.Progress).
//
// Every file counted in the summary is in place and durable when Download
// returns: the writes skip the sync per file, and one sync of the
// destination comes after the last of them. The error, if any, says that
// this sync failed or that a temporary file of this run could not be
// removed; the summary is complete either way.
func Download(ctx context.Context, cfg cli.Config, task engine.Task, fsys store.FS, stdout, stderr io.Writer) (report.Summary, error) {
	sum := report.Summary{
		Strategy: string(cfg.Strategy), Server: cfg.Server, Concurrency: cfg.Concurrency,
		Requested: len(cfg.Codes), Tally: new(report.Tally),
	}
	lines := stdout // verbose lines go with the report, unless the report is JSON
	if cfg.JSON {
		lines = stderr
	} else {
		report.Header(stdout, cfg.Server, cfg.Codes, cfg.Concurrency)
	}
	mode, err := progress.ParseMode(cfg.Progress)
	if err != nil || cfg.Verbose {
		mode = progress.None // -v: the book's line per code instead
	}
	live := progress.NewLive(stderr, mode, len(cfg.Codes), cfg.Concurrency, "flags")
	var observers []func(engine.Event)
	if live.Mode() != progress.None {
		observers = append(observers, live.Observe)
	}
	var rec *trace.Recorder
	if cfg.Trace != "" || cfg.Timeline != "" {
		rec = &trace.Recorder{Title: fmt.Sprintf("%s -m %d, %s", cfg.Strategy, cfg.Concurrency, cfg.Server.BaseURL),
			Slots: cfg.Concurrency}
		observers = append(observers, rec.Observe)
	}
	var observe func(engine.Event)
	switch len(observers) {
	case 1:
		observe = observers[0]
	case 2:
		observe = func(e engine.Event) { observers[0](e); observers[1](e) }
	}

	files := store.NewWriter(fsys)
	writers := store.NewPoolOn(files, cfg.Writers)
	start := time.Now()
	engine.Run(ctx, engine.Config{
		Strategy: cfg.Strategy, Concurrency: cfg.Concurrency, Dest: cfg.Dest, Writers: writers,
		Observe: observe, Tick: live.Tick(),
	}, cfg.Codes, task, func(r report.Result) {
		sum.Tally.Add(r)
		if cfg.Verbose {
			fmt.Fprintln(lines, r.Line())
		}
	})
	writers.Close()
	syncErr := files.Sync() // part of the run's time: the files are not saved before it
	end := time.Now()
	sum.Elapsed = end.Sub(start)
	live.Finish(end)
	sum.Interrupted = ctx.Err() != nil
	// Writes finish before Close returns, so the only temporary files of
	// this run still there are those of failed writes that could not remove
	// their own. Files of other runs sharing the folder, and leftovers of a
	// killed run, are not ours to remove.
	err = errors.Join(syncErr, files.Cleanup())
	if rec != nil { // a run cut short is worth a look too
		err = errors.Join(err, rec.WriteFiles(cfg.Trace, cfg.Timeline))
	}
	return sum, err
}

// unreachable returns the one reason every code failed for, when no request
// got an answer at all and they all failed alike because nothing answers
// at the address (a refused connection, an unknown host); otherwise "". A
// server that is up but slow, or a timeout too short, gets no hint.
func unreachable(t *report.Tally) string {
	reason := ""
	for _, r := range t.Results() {
		if r.Status != report.Error || r.HTTPStatus != 0 || !fetch.IsUnreachable(r.Err) || reason != "" && r.Detail != reason {
			return ""
		}
		reason = r.Detail
	}
	return reason
}
