package bench

import (
	"math"
	"slices"
	"time"
)

// Row is the summary of one cell's runs: what the table, JSON and CSV show.
type Row struct {
	Strategy     string   `json:"strategy"`       // client strategy, or "external"…
	Server       string   `json:"server"`         // LOCAL, DELAY or ERROR
	Codes        string   `json:"codes"`          // -a or -e
	Concurrency  int      `json:"concurrency"`    // the rung -m; 0 for an external command without {m}
	Reps         int      `json:"reps"`           // runs measured
	MedianS      float64  `json:"median_s"`       // median time of the runs, seconds
	MinS         float64  `json:"min_s"`          // fastest run
	MaxS         float64  `json:"max_s"`          // slowest run
	ReqPerS      float64  `json:"req_per_s"`      // requests the server received ÷ median time
	PeakInFlight int64    `json:"peak_in_flight"` // most requests in flight at the server at once, over the runs
	Errors       int      `json:"errors"`         // most errors in one run
	Efficiency   *float64 `json:"efficiency"`     // DELAY: ⌈N/m⌉·d ÷ median time; null elsewhere
	PeakRSSKB    int64    `json:"peak_rss_kb"`    // largest peak resident memory of the child, over the runs
}

// aggregate summarizes a cell's runs.
func aggregate(cfg Config, c *cell) Row {
	times := make([]time.Duration, len(c.runs))
	var requests []int64
	row := Row{Strategy: c.label, Server: c.server, Codes: c.codes, Concurrency: c.m, Reps: len(c.runs)}
	for i, r := range c.runs {
		times[i] = r.elapsed
		requests = append(requests, r.requests)
		row.PeakInFlight = max(row.PeakInFlight, r.peak)
		row.Errors = max(row.Errors, r.errors)
		row.PeakRSSKB = max(row.PeakRSSKB, r.rssKB)
	}
	med := medianDuration(times)
	row.MedianS = round(med.Seconds(), 3)
	row.MinS = round(slices.Min(times).Seconds(), 3)
	row.MaxS = round(slices.Max(times).Seconds(), 3)
	slices.Sort(requests)
	if med > 0 {
		row.ReqPerS = round(float64(requests[len(requests)/2])/med.Seconds(), 1)
	}
	// Only DELAY makes every request wait the same, and only with a known
	// concurrency is the ideal time known.
	if c.server == "DELAY" && c.m > 0 && med > 0 {
		eff := round(ideal(c.n, c.m, cfg.Delay).Seconds()/med.Seconds(), 3)
		row.Efficiency = &eff
	}
	return row
}

// medianDuration is the middle of ds, or the mean of the two middle ones;
// 0 for none.
func medianDuration(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	mid := len(s) / 2
	if len(s)%2 == 1 {
		return s[mid]
	}
	return (s[mid-1] + s[mid]) / 2
}

func round(x float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(x*p) / p
}
