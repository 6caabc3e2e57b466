// Package engine runs a per-code download task over a list of country codes
// with one of the three strategies of the book — sequential, a pool of
// workers, or an event loop — and hands every finished download to an
// executor pool of disk writers.
//
// Whatever the strategy, what happens flows to one owner, the goroutine
// that called Run, as a stream of Events over one channel: slots taken and
// given back, HTTP attempts, backoffs, writes, and each code's final
// Result. The owner passes them to the observers (a progress line, a trace)
// and the results to a handler, one at a time; tallies, progress bars and
// traces need no lock.
//
//	codes ──► strategy ──► Task (HTTP, gate held per request)
//	             │            │ Outcome with bytes to save
//	             │            ▼
//	             │     store.Pool writers ──┐
//	             │   (not found, errors,    │
//	             │    not attempted)        ▼
//	             └─ events: slot, attempt, ──► owner: Observe(Event), handle(Result)
//	                backoff, write, done
package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

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

	// Observe, when set, sees every Event of the run on the owner
	// goroutine, in the order they reached it, Done included. nil turns
	// the events other than Done off: nothing is sent, nothing traced.
	Observe func(Event)
	// Tick, when positive and Observe is set, adds a Tick event every
	// Tick, for displays that move with the clock.
	Tick time.Duration
}

// Run fetches every code with task and calls handle exactly once per code, on
// the calling goroutine, in the order the results complete. When ctx is
// cancelled, codes not started are reported as report.NotAttempted and
// codes whose requests were cut short as report.Cancelled; writes already
// handed to the writers are finished.
func Run(ctx context.Context, cfg Config, codes []string, task Task, handle func(report.Result)) {
	observing := cfg.Observe != nil
	// Room for every result: no sender of a result ever blocks on the
	// owner, so a slow handler (a terminal) never stalls the network side.
	// Observed runs have about ten events per code; the room for two each
	// keeps the senders from waiting in all but bursts.
	room := len(codes)
	if observing {
		room = 2*len(codes) + 64
	}
	events := make(chan Event, room)
	d := &deliverer{ctx: ctx, dest: cfg.Dest, writers: cfg.Writers, events: events, observing: observing}
	n := max(cfg.Concurrency, 1)

	start := time.Now()
	if observing {
		for _, cc := range codes {
			cfg.Observe(Event{Kind: Queued, CC: cc, At: start})
		}
	}
	var tick <-chan time.Time
	if observing && cfg.Tick > 0 {
		t := time.NewTicker(cfg.Tick)
		defer t.Stop()
		tick = t.C
	}

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
	for left := len(codes); left > 0; {
		select {
		case e := <-events:
			if observing {
				cfg.Observe(e)
			}
			if e.Kind == Done {
				handle(e.Result)
				left--
			}
		case now := <-tick:
			cfg.Observe(Event{Kind: Tick, At: now})
		}
	}
}

// deliverer turns outcomes into final results: it classifies cancellations
// and routes downloads through the writers. It is also where the events of
// the tasks' goroutines are stamped and sent to the owner.
type deliverer struct {
	ctx       context.Context
	dest      string
	writers   *store.Pool
	events    chan<- Event
	observing bool // send events other than Done
}

// emit stamps e and sends it to the owner, when the run is observed.
func (d *deliverer) emit(e Event) {
	if d.observing {
		if e.At.IsZero() {
			e.At = time.Now()
		}
		d.events <- e
	}
}

func (d *deliverer) done(r report.Result) {
	d.events <- Event{Kind: Done, CC: r.CC, At: time.Now(), Result: r}
}

func (d *deliverer) notAttempted(cc string) {
	d.done(report.Result{CC: cc, Status: report.NotAttempted})
}

// start prepares a code's run: when observed, a context whose Get calls
// report their attempts and backoffs, and a gate that reports its slots.
func (d *deliverer) start(ctx context.Context, cc string, gate fetch.Gate) (context.Context, fetch.Gate) {
	if !d.observing {
		return ctx, gate
	}
	if gate != fetch.NoGate { // a real limit: its slots are the run's slots
		gate = slotGate{gate, cc, d}
	}
	return fetch.WithTrace(ctx, &fetch.Trace{
		AttemptStart: func(url string, n int, at time.Time) {
			d.emit(Event{Kind: AttemptStart, CC: cc, At: at, URL: url, N: n})
		},
		AttemptDone: func(a fetch.Attempt) {
			d.emit(Event{Kind: AttemptDone, CC: cc, At: a.Start.Add(a.Latency), URL: a.URL, N: a.N, Attempt: a})
		},
		BackoffStart: func(url string, next int, wait time.Duration) {
			d.emit(Event{Kind: BackoffStart, CC: cc, URL: url, N: next, Wait: wait})
		},
		BackoffDone: func(url string) { d.emit(Event{Kind: BackoffDone, CC: cc, URL: url}) },
	}), gate
}

// slotGate reports the slots of a shared gate taken and given back for one
// code. The slot is reported given back before it is, and taken after it
// is, so the owner never sees more slots held than there are.
type slotGate struct {
	fetch.Gate
	cc string
	d  *deliverer
}

func (g slotGate) Acquire(ctx context.Context) error {
	if err := g.Gate.Acquire(ctx); err != nil {
		return err
	}
	g.d.emit(Event{Kind: SlotTaken, CC: g.cc})
	return nil
}

func (g slotGate) Release() {
	g.d.emit(Event{Kind: SlotFreed, CC: g.cc})
	g.Gate.Release()
}

func (d *deliverer) deliver(o Outcome) {
	r := o.Result
	if d.ctx.Err() != nil && errors.Is(r.Err, context.Canceled) {
		// Cut short by the interrupt: in flight if a request went out,
		// never started if it was still waiting for a slot. Either way it
		// did not finish, so it has no bytes, latency or status to show.
		r.Status = report.NotAttempted
		if r.Attempts > 0 {
			r.Status = report.Cancelled
		}
		r.Err, r.Detail, r.Bytes, r.Latency, r.HTTPStatus, r.Country = nil, "", 0, 0, 0, ""
	}
	if r.Status != report.OK || o.Save == nil {
		d.done(r)
		return
	}
	d.emit(Event{Kind: WriteQueued, CC: r.CC})
	done := func(err error) {
		d.emit(Event{Kind: WriteDone, CC: r.CC, Err: err})
		if err != nil {
			r.Status, r.Err, r.Detail, r.File = report.Error, fmt.Errorf("saving %s: %w", r.File, err), "", ""
		}
		d.done(r)
	}
	if d.writers == nil {
		d.emit(Event{Kind: WriteStarted, CC: r.CC})
		done(store.WriteAtomic(d.dest, r.File, o.Save))
		return
	}
	if !d.observing {
		d.writers.Submit(d.dest, r.File, o.Save, done)
		return
	}
	d.writers.SubmitTraced(d.dest, r.File, o.Save, func() { d.emit(Event{Kind: WriteStarted, CC: r.CC}) }, done)
}
