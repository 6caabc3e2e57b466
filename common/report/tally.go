package report

import (
	"slices"
	"time"
)

// Tally accumulates results. It has one owner: the goroutine that receives
// the results (the event loop, or the consumer of a pool); it is not safe for
// concurrent use, and needs no lock because of that.
type Tally struct {
	results []Result
	counts  [NumStatuses]int
	bytes   int64
}

// Add counts one result.
func (t *Tally) Add(r Result) {
	t.results = append(t.results, r)
	if r.Status >= 0 && r.Status < NumStatuses {
		t.counts[r.Status]++
	}
	t.bytes += r.Bytes
}

// Count returns how many results ended with s.
func (t *Tally) Count(s Status) int {
	if s < 0 || s >= NumStatuses {
		return 0
	}
	return t.counts[s]
}

// Len returns the number of results counted.
func (t *Tally) Len() int { return len(t.results) }

// Bytes returns the body bytes received over all results.
func (t *Tally) Bytes() int64 { return t.bytes }

// Retries returns the attempts made beyond the first of each code.
func (t *Tally) Retries() int {
	n := 0
	for _, r := range t.results {
		if r.Attempts > 1 {
			n += r.Attempts - 1
		}
	}
	return n
}

// Results returns the results sorted by code. The caller must not modify them.
func (t *Tally) Results() []Result {
	slices.SortStableFunc(t.results, func(a, b Result) int {
		switch {
		case a.CC < b.CC:
			return -1
		case a.CC > b.CC:
			return 1
		}
		return 0
	})
	return t.results
}

// Percentile returns the latency below which p (0 < p <= 1) of the
// completed requests fell (nearest rank), over results that made at least
// one attempt; 0 when there are none.
func (t *Tally) Percentile(p float64) time.Duration {
	var ls []time.Duration
	for _, r := range t.results {
		if r.Attempts > 0 && r.Status != NotAttempted && r.Status != Cancelled {
			ls = append(ls, r.Latency)
		}
	}
	if len(ls) == 0 {
		return 0
	}
	slices.Sort(ls)
	rank := int(p*float64(len(ls)) + 0.999999999)
	rank = min(max(rank, 1), len(ls))
	return ls[rank-1]
}
