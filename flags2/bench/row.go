package bench

import (
	"math"
	"slices"
	"time"
)

// Row is the summary of one cell's runs: what the table, JSON and CSV show.
type Row struct {
	Client       string   `json:"client"`            // the program measured: "flags2", "flags3 --order book", or the external command
	Strategy     string   `json:"strategy"`          // client strategy, or "external"…
	Server       string   `json:"server"`            // LOCAL, DELAY or ERROR
	Codes        string   `json:"codes"`             // -a or -e
	Concurrency  int      `json:"concurrency"`       // the rung -m; 0 for an external command without {m}
	Reps         int      `json:"reps"`              // runs measured
	MedianS      float64  `json:"median_s"`          // median time of the runs, seconds (scaled when extrapolated)
	MinS         float64  `json:"min_s"`             // fastest run
	MaxS         float64  `json:"max_s"`             // slowest run
	Spread       float64  `json:"spread"`            // see spreadOf: the range of the middle runs ÷ median
	Noisy        bool     `json:"noisy"`             // the spread stayed over the noise threshold after the runs the budget allowed
	ReqPerS      float64  `json:"req_per_s"`         // requests the server received ÷ median time
	Requests     int64    `json:"requests"`          // requests the server received in a run (median)
	PerCode      float64  `json:"requests_per_code"` // requests ÷ codes: 1 for flags2, 2 for flags3, more with retries
	PeakInFlight int64    `json:"peak_in_flight"`    // most requests in flight at the server at once, over the runs
	Errors       int      `json:"errors"`            // most errors in one run
	Efficiency   *float64 `json:"efficiency"`        // DELAY: ⌈requests/m⌉·d ÷ median time; null elsewhere
	PeakRSSKB    int64    `json:"peak_rss_kb"`       // largest peak resident memory of the child, over the runs
	ExitStatus   int      `json:"exit_status"`       // a non-zero exit status of the runs; 0 when every run exited 0
	MeasuredOn   int      `json:"measured_on"`       // codes each run fetched: fewer than the set's when extrapolated
	Extrapolated bool     `json:"extrapolated"`      // measured on MeasuredOn codes, times scaled to the whole set
}

// aggregate summarizes a cell's runs.
func aggregate(cfg Config, c *cell, client string) Row {
	times := c.times()
	var requests []int64
	row := Row{Client: client, Strategy: c.label, Server: c.server, Codes: c.codes, Concurrency: c.m, Reps: len(c.runs),
		MeasuredOn: c.n, Extrapolated: c.n != c.full}
	if c.command != "" {
		row.Client = c.command
	}
	for _, r := range c.runs {
		requests = append(requests, r.requests)
		row.PeakInFlight = max(row.PeakInFlight, r.peak)
		row.Errors = max(row.Errors, r.errors)
		row.PeakRSSKB = max(row.PeakRSSKB, r.rssKB)
		if r.exit != 0 {
			row.ExitStatus = r.exit
		}
	}
	med := medianDuration(times)
	scale := c.scale()
	row.MedianS = round(med.Seconds()*scale, 3)
	row.MinS = round(slices.Min(times).Seconds()*scale, 3)
	row.MaxS = round(slices.Max(times).Seconds()*scale, 3)
	row.Spread = round(spreadOf(times), 3)
	row.Noisy = row.Spread > cfg.Noise
	slices.Sort(requests)
	row.Requests = requests[len(requests)/2]
	row.PerCode = round(float64(row.Requests)/float64(c.n), 2)
	if med > 0 {
		row.ReqPerS = round(float64(row.Requests)/med.Seconds(), 1)
	}
	// Only DELAY makes every request wait the same, and only with a known
	// concurrency is the ideal time known. It counts the requests the
	// server received, so a client making two per code (flags3) or
	// retrying is held to its own work.
	if c.server == "DELAY" && c.m > 0 && med > 0 && row.Requests > 0 {
		eff := round(ideal(int(row.Requests), c.m, cfg.Delay).Seconds()/med.Seconds(), 3)
		row.Efficiency = &eff
	}
	return row
}

// spreadOf is how far apart the runs are, relative to their median: the
// range of the middle runs ÷ median, dropping the ⌊n/4⌋ fastest and
// slowest, so that with 3 runs it is the whole range and with 4 or more one
// stray run no longer decides it (the interquartile range, near enough).
// That is why repeating a noisy cell can settle it.
func spreadOf(ts []time.Duration) float64 {
	if len(ts) < 2 {
		return 0
	}
	s := slices.Clone(ts)
	slices.Sort(s)
	k := len(s) / 4
	med := medianDuration(s)
	if med <= 0 {
		return 0
	}
	return float64(s[len(s)-1-k]-s[k]) / float64(med)
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
