package site

import "sync/atomic"

// Stats counts what a site has done since New or ResetStats.
type Stats struct {
	Requests       int64 // every request received (not heads refused as malformed, which never reach a site)
	Served         int64 // 200 answers: a data file or the listing
	NotFound       int64 // 404 answers
	InjectedErrors int64 // failures injected in Error mode
	Canceled       int64 // GETs given up while waiting: the client left or the server is stopping
	InFlight       int64 // requests being handled now
	MaxInFlight    int64 // the most requests handled at once
}

// counters are the live Stats; each is updated atomically on its own.
type counters struct {
	requests, served, notFound, injected, canceled, inFlight, maxInFlight atomic.Int64
}

// Stats returns a snapshot of the counters. Each is exact, but they are
// read one by one, so a snapshot taken under load may mix two moments.
func (s *Site) Stats() Stats {
	c := &s.stats
	return Stats{
		Requests:       c.requests.Load(),
		Served:         c.served.Load(),
		NotFound:       c.notFound.Load(),
		InjectedErrors: c.injected.Load(),
		Canceled:       c.canceled.Load(),
		InFlight:       c.inFlight.Load(),
		MaxInFlight:    c.maxInFlight.Load(),
	}
}

// ResetStats zeroes the counters, except InFlight, which is the present, and
// MaxInFlight, which restarts from it. It does not rewind a seeded sequence.
func (s *Site) ResetStats() {
	c := &s.stats
	c.requests.Store(0)
	c.served.Store(0)
	c.notFound.Store(0)
	c.injected.Store(0)
	c.canceled.Store(0)
	c.maxInFlight.Store(c.inFlight.Load())
}

// enter counts a request in and keeps the high-water mark.
func (c *counters) enter() {
	c.requests.Add(1)
	n := c.inFlight.Add(1)
	for {
		peak := c.maxInFlight.Load()
		if n <= peak || c.maxInFlight.CompareAndSwap(peak, n) {
			return
		}
	}
}

func (c *counters) leave() { c.inFlight.Add(-1) }
