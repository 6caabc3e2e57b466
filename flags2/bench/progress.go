package bench

import (
	"fmt"
	"io"
	"time"

	"flagsuite/common/progress"
)

// tracker shows how far a measurement is and how long it has left: one
// line redrawn in place on a terminal; elsewhere (a log, a CI job) a line
// at the start, one every plainEvery, and one at the end.
type tracker struct {
	w                io.Writer // nil: no progress at all
	term             bool
	total, done      int
	idealLeft        time.Duration // the sum of the ideal times of the runs to come
	idealDone, spent time.Duration // of the runs done, their ideal times and their wall times
	start, shown     time.Time
}

const plainEvery = 10 * time.Second

// overheadGuess is what a run is taken to cost beyond its ideal time until
// the first runs tell: process start-up, connections, writes.
const overheadGuess = 150 * time.Millisecond

func newTracker(w io.Writer, cells []*cell) *tracker {
	t := &tracker{w: w, term: progress.IsTerminal(w), start: time.Now()}
	for _, c := range cells {
		t.total += c.reps
		t.idealLeft += time.Duration(c.reps) * c.ideal
	}
	if w != nil && !t.term {
		fmt.Fprintf(w, "flags2 bench: %d runs in %d cells, about %s\n", t.total, len(cells), t.left().Round(time.Second))
		t.shown = time.Now()
	}
	return t
}

// left estimates the time the remaining runs need: their ideal times plus
// the overhead per run seen so far.
func (t *tracker) left() time.Duration {
	per := overheadGuess
	if t.done > 0 {
		per = max(0, (t.spent-t.idealDone)/time.Duration(t.done))
	}
	return max(0, t.idealLeft+time.Duration(t.total-t.done)*per)
}

func (t *tracker) begin(c *cell, rep int) {
	t.total = max(t.total, t.done+1) // a noisy cell's extra run
	if t.w == nil || !t.term {
		return
	}
	fmt.Fprintf(t.w, "\r\033[K[%d/%d] %s %s %s m=%s rep %d/%d · %s, about %s left",
		t.done+1, t.total, c.label, c.server, c.codes, rung(c.m), rep+1, max(c.reps, rep+1),
		time.Since(t.start).Round(time.Second), t.left().Round(time.Second))
}

// end counts a finished run that took wall.
func (t *tracker) end(c *cell, wall time.Duration) {
	t.done++
	t.spent += wall
	t.idealDone += c.ideal
	t.idealLeft -= c.ideal
	if t.w == nil || t.term || time.Since(t.shown) < plainEvery {
		return
	}
	fmt.Fprintf(t.w, "flags2 bench: %d/%d runs, %s, about %s left\n",
		t.done, t.total, time.Since(t.start).Round(time.Second), t.left().Round(time.Second))
	t.shown = time.Now()
}

// finish ends the display with a last line.
func (t *tracker) finish() {
	if t.w == nil {
		return
	}
	if t.term {
		fmt.Fprint(t.w, "\r\033[K")
	}
	fmt.Fprintf(t.w, "flags2 bench: %d runs in %s\n", t.done, time.Since(t.start).Round(100*time.Millisecond))
}
