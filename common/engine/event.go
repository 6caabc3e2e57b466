package engine

import (
	"strconv"
	"time"

	"flagsuite/common/fetch"
	"flagsuite/common/report"
)

// Kind says what an Event reports.
type Kind uint8

// The events of a run. Every code has one Queued and one Done; in between,
// for each HTTP attempt, SlotTaken, AttemptStart, AttemptDone, SlotFreed
// (the slot may cover several attempts in the pool and sequential
// strategies), a BackoffStart and BackoffDone before each retry, and for a
// download WriteQueued, WriteStarted and WriteDone.
const (
	// Queued: the code joined the run and waits for its first slot. All
	// codes are queued when Run starts.
	Queued Kind = iota
	// SlotTaken and SlotFreed bracket a slot held for the code: a weight of
	// the loop's semaphore, held around each request; a busy worker of the
	// pool, held for the whole code; the one request of sequential.
	SlotTaken
	SlotFreed
	// AttemptStart and AttemptDone bracket one HTTP attempt (Attempt).
	AttemptStart
	AttemptDone
	// BackoffStart and BackoffDone bracket the wait before a retry.
	BackoffStart
	BackoffDone
	// WriteQueued: a download was handed to the writers; WriteStarted: a
	// writer took it; WriteDone: it is on disk, or failed (Err).
	WriteQueued
	WriteStarted
	WriteDone
	// Done: the code's final Result; nothing more happens to the code.
	Done
	// Tick is no code's: the owner's clock, every Config.Tick, so that
	// displays move while nothing else happens.
	Tick
)

var kindNames = [...]string{"queued", "slot taken", "slot freed", "attempt start", "attempt done",
	"backoff start", "backoff done", "write queued", "write started", "write done", "done", "tick"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Event is one thing that happened in a run. Events are stamped where they
// happen (At, from the monotonic clock) and reach the owner over one
// channel, so all events of a code come in the order they happened, and
// a slot given back is seen before the slot another code then takes.
type Event struct {
	Kind Kind
	CC   string
	At   time.Time
	// URL and N name the request and its attempt (from 1) for the Attempt
	// and Backoff kinds; N is the attempt to come for BackoffStart.
	URL string
	N   int
	// Wait is the backoff of a BackoffStart.
	Wait time.Duration
	// Attempt is what an AttemptDone found.
	Attempt fetch.Attempt
	// Err is a failed write's error, for WriteDone.
	Err error
	// Result is the final result, for Done.
	Result report.Result
}
