package engine

import "flagsuite/common/report"

// Gauges is the live state of a run, kept from its events by the owner:
// what a progress line shows and a trace's counters plot. Everything in it
// is derived from the one event stream, so two views of a run never count
// the same thing in two ways. The zero value is ready once Slots is set.
type Gauges struct {
	Slots int // the run's concurrency: how many slots there are

	Queued   int                     // codes in the run
	Finished int                     // codes with their final result
	Counts   [report.NumStatuses]int // final results by status
	Retries  int                     // attempts beyond the first of a request

	Waiting      int // codes queued that have not yet taken a slot
	Held         int // slots held
	InFlight     int // HTTP attempts under way
	BackingOff   int // requests waiting to retry
	WritesQueued int // downloads handed to the writers and not yet on disk
	Writing      int // of those, the ones a writer is writing

	waiting map[string]bool
	lanes   []bool           // lanes[i]: slot i is held
	laneOf  map[string][]int // the slots each code holds, most recent last
}

// Apply updates g with one event.
func (g *Gauges) Apply(e Event) {
	if g.waiting == nil {
		g.waiting, g.laneOf = map[string]bool{}, map[string][]int{}
	}
	switch e.Kind {
	case Queued:
		g.Queued++
		g.Waiting++
		g.waiting[e.CC] = true
	case SlotTaken:
		g.stopWaiting(e.CC)
		g.Held++
		g.laneOf[e.CC] = append(g.laneOf[e.CC], g.takeLane())
	case SlotFreed:
		g.Held--
		if ls := g.laneOf[e.CC]; len(ls) > 0 {
			g.lanes[ls[len(ls)-1]] = false
			if len(ls) == 1 {
				delete(g.laneOf, e.CC)
			} else {
				g.laneOf[e.CC] = ls[:len(ls)-1]
			}
		}
	case AttemptStart:
		g.InFlight++
		if e.N > 1 {
			g.Retries++
		}
	case AttemptDone:
		g.InFlight--
	case BackoffStart:
		g.BackingOff++
	case BackoffDone:
		g.BackingOff--
	case WriteQueued:
		g.WritesQueued++
	case WriteStarted:
		g.Writing++
	case WriteDone:
		g.WritesQueued--
		g.Writing--
	case Done:
		g.stopWaiting(e.CC)
		g.Finished++
		if s := e.Result.Status; s >= 0 && int(s) < len(g.Counts) {
			g.Counts[s]++
		}
	}
}

func (g *Gauges) stopWaiting(cc string) {
	if g.waiting[cc] {
		delete(g.waiting, cc)
		g.Waiting--
	}
}

// takeLane marks the lowest free slot held and returns it, so that a
// display lights slots the way a person fills seats.
func (g *Gauges) takeLane() int {
	for i, held := range g.lanes {
		if !held {
			g.lanes[i] = true
			return i
		}
	}
	g.lanes = append(g.lanes, true)
	return len(g.lanes) - 1
}

// Lit reports whether slot i (from 0) is held.
func (g *Gauges) Lit(i int) bool { return i >= 0 && i < len(g.lanes) && g.lanes[i] }

// Attempted is how many codes ran to their end: a final result other than
// not attempted or cancelled, so a bar stops short after Ctrl-C.
func (g *Gauges) Attempted() int {
	return g.Finished - g.Counts[report.NotAttempted] - g.Counts[report.Cancelled]
}
