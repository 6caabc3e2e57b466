// Package engine runs a per-code download task over a list of country codes
// with one of the three strategies of the book — sequential, a pool of
// workers, or an event loop — and hands every finished download to an
// executor pool of disk writers.
//
// Whatever the strategy, results flow to one owner, the goroutine that
// called Run, which passes them to a handler one at a time; tallies and
// progress bars need no lock.
//
//	codes ──► strategy ──► Task (HTTP, gate held per request)
//	                          │ Outcome with bytes to save
//	                          ▼
//	                   store.Pool writers ──► results ──► owner: handle(Result)
//	                          (not found, errors, not attempted go straight to results)
package engine

import (
	"context"
	"errors"
	"fmt"

	"flagsuite/common/fetch"
	"flagsuite/common/report"
	"flagsuite/common/store"
	"flagsuite/common/strategy"
)

// Task does the network part of one code and says how it went. It holds gate
// around each HTTP request it makes and nowhere else. A Task must return for
// every call; when ctx is cancelled it should return promptly with an error
// wrapping context.Canceled.
type Task func(ctx context.Context, cc string, gate fetch.Gate) Outcome

// Outcome is what a Task found. When Save is not nil, the result is not final
// yet: the engine writes Save to Result.File in the destination folder, and
// the code counts as downloaded only once the file is in place.
type Outcome struct {
	Result report.Result
	Save   []byte
}

// Config says how to run.
type Config struct {
	Strategy    strategy.Name // strategy.Default (loop) when empty
	Concurrency int           // workers (Pool) or semaphore weight (Loop); 0 counts as 1
	Dest        string        // folder the writers save into
	Writers     *store.Pool   // the disk-write executor; nil writes inline
}

// Run fetches every code with task and calls handle exactly once per code, on
// the calling goroutine, in the order the results complete. When ctx is
// cancelled, codes not started and requests cut short are reported as
// report.NotAttempted; writes already handed to the writers are finished.
func Run(ctx context.Context, cfg Config, codes []string, task Task, handle func(report.Result)) {
	// Room for every result: no sender ever blocks on the owner, so a slow
	// handler (a terminal, a progress bar) never stalls the network side.
	results := make(chan report.Result, len(codes))
	d := &deliverer{ctx: ctx, dest: cfg.Dest, writers: cfg.Writers, results: results}
	n := max(cfg.Concurrency, 1)

	switch cfg.Strategy {
	case strategy.Sequential:
		go sequential(ctx, codes, task, d)
	case strategy.Pool:
		go pool(ctx, codes, n, task, d)
	case strategy.Loop, "":
		go loop(ctx, codes, n, task, d)
	default: // the command line refuses unknown names; this is a caller's bug
		panic(fmt.Sprintf("engine: unknown strategy %q", cfg.Strategy))
	}
	for range codes {
		handle(<-results)
	}
}

// deliverer turns outcomes into final results: it classifies cancellations
// and routes downloads through the writers.
type deliverer struct {
	ctx     context.Context
	dest    string
	writers *store.Pool
	results chan<- report.Result
}

func (d *deliverer) notAttempted(cc string) {
	d.results <- report.Result{CC: cc, Status: report.NotAttempted}
}

func (d *deliverer) deliver(o Outcome) {
	r := o.Result
	if d.ctx.Err() != nil && errors.Is(r.Err, context.Canceled) {
		r.Status, r.Err, r.Detail = report.NotAttempted, nil, ""
	}
	if r.Status != report.OK || o.Save == nil {
		d.results <- r
		return
	}
	done := func(err error) {
		if err != nil {
			r.Status, r.Err, r.Detail, r.File = report.Error, fmt.Errorf("saving %s: %w", r.File, err), "", ""
		}
		d.results <- r
	}
	if d.writers == nil {
		done(store.WriteAtomic(d.dest, r.File, o.Save))
		return
	}
	d.writers.Submit(d.dest, r.File, o.Save, done)
}
