// Package trace records the events of a run (engine.Event) and draws them:
// WriteJSON in the Chrome Trace Event format, which Perfetto
// (ui.perfetto.dev) and chrome://tracing open as they are, and WriteSVG as
// a self-contained SVG waterfall.
//
// The Recorder is one more observer of the engine's event stream, beside
// the progress line, on the owner goroutine: it keeps what it needs of each
// event (a few dozen bytes) and lays the picture out once the run is over,
// so it costs the run next to nothing while it goes.
//
// Tracks: one per code, in the order the codes took their first slot (the
// place leads the track's name, "001 ZZ", for viewers that sort tracks
// their own way), so
// the trace reads top to bottom as the waterfall does — each code's wait
// for a slot, its requests, its backoffs and its write left to right on
// one line — and a code that waited long stands out by where it starts. A
// code with two requests (flags3) has a track for each, since the two may
// run at once and a track holds one thing at a time. The concurrency itself
// is in three counter tracks: in flight (HTTP attempts under way, never
// above -m), waiting (codes that have not yet had a slot), writes queued.
// One track per slot was the other choice: it shows the slots filling, but
// scatters a code's story over several tracks and hides the waiting, which
// is the lesson of -m 1 against -m 100.
package trace

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"flagsuite/common/engine"
	"flagsuite/common/fetch"
	"flagsuite/common/report"
)

// Recorder keeps a run's events for WriteJSON and WriteSVG. Observe is an
// engine.Config.Observe; like the rest of the owner's state, a Recorder is
// used by one goroutine.
type Recorder struct {
	Title string // names the run in the viewer: "flags2 loop -m 100"
	Slots int    // -m, drawn as a line over the in-flight curve

	start    time.Time
	end      time.Time
	codes    map[string]*code
	order    []*code // by first slot taken; codes never started are added at Done
	now      counter // the counters' values, at left zero
	counters []counter
}

// code is what the Recorder keeps of one code.
type code struct {
	cc                 string
	queued, slot, done time.Time // slot: first slot taken, zero if none
	reqs               []*request
	writeQ, writeS     time.Time // queued, and taken by a writer
	writeD             time.Time
	writeErr           error
	result             report.Result
	started, finished  bool
	counted            bool // no longer counted as waiting
	slots              int  // slots taken: one per attempt under a shared gate
}

// request is one URL of a code: its attempts and the backoffs between them.
type request struct {
	url      string
	attempts []fetch.Attempt
	backoffs []backoff
}

type backoff struct {
	start, end time.Time
	next       int
	wait       time.Duration
}

// counter is the value of the three gauges from at on.
type counter struct {
	at                        time.Time
	inFlight, waiting, writes int
}

// Observe records one event.
func (r *Recorder) Observe(e engine.Event) {
	if e.Kind == engine.Tick {
		return
	}
	if r.codes == nil {
		r.codes = map[string]*code{}
		r.start = e.At
	}
	if e.At.Before(r.start) {
		r.start = e.At
	}
	r.end = maxTime(r.end, e.At)
	c := r.codes[e.CC]
	if c == nil {
		c = &code{cc: e.CC, queued: e.At}
		r.codes[e.CC] = c
	}
	switch e.Kind {
	case engine.SlotTaken:
		c.slots++
		if !c.started {
			c.started, c.slot = true, e.At
			r.order = append(r.order, c)
		}
	case engine.AttemptDone:
		q := c.request(e.URL)
		q.attempts = append(q.attempts, e.Attempt)
	case engine.BackoffStart:
		q := c.request(e.URL)
		q.backoffs = append(q.backoffs, backoff{start: e.At, next: e.N, wait: e.Wait})
	case engine.BackoffDone:
		if q := c.request(e.URL); len(q.backoffs) > 0 {
			q.backoffs[len(q.backoffs)-1].end = e.At
		}
	case engine.WriteQueued:
		c.writeQ = e.At
	case engine.WriteStarted:
		c.writeS = e.At
	case engine.WriteDone:
		c.writeD, c.writeErr = e.At, e.Err
	case engine.Done:
		c.done, c.result, c.finished = e.At, e.Result, true
		if !c.started {
			c.started = true
			r.order = append(r.order, c)
		}
	}
	// The counters, kept here rather than with engine.Gauges, whose slot
	// lanes and maps a trace has no use for.
	now := r.now
	switch e.Kind {
	case engine.Queued:
		now.waiting++
	case engine.SlotTaken:
		if c.slot.Equal(e.At) && !c.counted {
			c.counted = true
			now.waiting--
		}
	case engine.AttemptStart:
		now.inFlight++
	case engine.AttemptDone:
		now.inFlight--
	case engine.WriteQueued:
		now.writes++
	case engine.WriteDone:
		now.writes--
	case engine.Done:
		if !c.counted {
			c.counted = true
			now.waiting--
		}
	}
	if len(r.counters) == 0 || now != r.now {
		now.at = e.At
		r.counters = append(r.counters, now)
		now.at = time.Time{}
	}
	r.now = now
}

// rewaits are the waits of a request for a slot again after a backoff:
// from the end of the backoff to the start of the attempt it was for.
func (q *request) rewaits() []backoff {
	var ws []backoff
	for _, b := range q.backoffs {
		for _, a := range q.attempts {
			if a.N == b.next && !b.end.IsZero() && a.Start.After(b.end) {
				ws = append(ws, backoff{start: b.end, end: a.Start, next: a.N})
			}
		}
	}
	return ws
}

// firstWaits are the waits for a first slot of each request but the first
// of a code whose requests each take a slot of a shared gate (flags3 under
// the loop: two requests at once, each waiting its turn): from the code's
// start to the request's first attempt. Under a pool the code's one worker
// makes the requests in turn; that is no wait for a slot.
func (c *code) firstWaits() []backoff {
	attempts := 0
	for _, q := range c.reqs {
		attempts += len(q.attempts)
	}
	if len(c.reqs) < 2 || c.slots < attempts {
		return nil
	}
	ws := make([]backoff, len(c.reqs))
	for j, q := range c.reqs {
		if j > 0 && len(q.attempts) > 0 && q.attempts[0].Start.After(c.slot) {
			ws[j] = backoff{start: c.queued, end: q.attempts[0].Start, next: 1}
		}
	}
	return ws
}

func (c *code) request(url string) *request {
	for _, q := range c.reqs {
		if q.url == url {
			return q
		}
	}
	q := &request{url: url}
	c.reqs = append(c.reqs, q)
	return q
}

// rows returns the codes in order of start, the ones still unfinished (a
// run cut short before Done) last.
func (r *Recorder) rows() []*code {
	rows := slices.Clone(r.order)
	var rest []*code
	for _, c := range r.codes {
		if !c.started {
			rest = append(rest, c)
		}
	}
	slices.SortFunc(rest, func(a, b *code) int { return cmp.Compare(a.cc, b.cc) })
	return append(rows, rest...)
}

// perCode is how many requests the busiest code made: the tracks a code gets.
func (r *Recorder) perCode() int {
	n := 1
	for _, c := range r.codes {
		n = max(n, len(c.reqs))
	}
	return n
}

// outcome names how an attempt ended: ok, not_found, error or cancelled.
func outcome(a fetch.Attempt) string {
	switch {
	case a.Err == nil:
		return "ok"
	case a.Status == 404:
		return "not_found"
	case errors.Is(a.Err, context.Canceled):
		return "cancelled"
	}
	return "error"
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
