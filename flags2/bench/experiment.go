package bench

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"flagsuite/common/countries"
)

// Faults says which error-handling experiments to run ("flags2 bench
// --faults"). Each experiment runs the client, one process per cell, with
// each strategy of Config.Strategies at each rung of Config.Ladder, on the
// code sets of Config.Codes, against servers that fail in a seeded,
// repeatable way (Config.Seed):
//
//	errors    ErrorRates × Retries: LOCAL's data, a share of GETs answered
//	          418, each attempt drawn anew (see flaky); the client gets
//	          --retries N
//	timeouts  Delays × Timeouts: DELAY with waits drawn per path from a
//	          range; the client gets --timeout T
//	chaos     Behaviors: LOCAL behind the chaos proxy with a Vaurien
//	          --behavior list, seeded by path; the client gets --timeout
//	          ChaosTimeout, so that a hang costs that much, not 10 s
//
// An experiment runs when its lists are set.
type Faults struct {
	ErrorRates []float64
	Retries    []int
	Delays     []DelayRange
	Timeouts   []time.Duration
	Behaviors  []string
	// ChaosTimeout is the client's --timeout in the chaos experiment;
	// DefaultChaosTimeout when 0.
	ChaosTimeout time.Duration
	// ChaosStrategies, when set, replace Config.Strategies in the chaos
	// experiment (the default compares pool and loop).
	ChaosStrategies []string
}

// DelayRange is a uniform distribution of server waits.
type DelayRange struct{ Min, Max time.Duration }

func (d DelayRange) String() string {
	if d.Min == d.Max {
		return d.Min.String()
	}
	return d.Min.String() + "-" + d.Max.String()
}

// ParseDelayRange reads "0.5s-5s", "500ms-5s" or one duration "200ms".
func ParseDelayRange(s string) (DelayRange, error) {
	lo, hi, found := strings.Cut(strings.TrimSpace(s), "-")
	if !found {
		hi = lo
	}
	min, err1 := time.ParseDuration(strings.TrimSpace(lo))
	max, err2 := time.ParseDuration(strings.TrimSpace(hi))
	if err1 != nil || err2 != nil || min < 0 || max < min {
		return DelayRange{}, fmt.Errorf("a delay range is MIN-MAX, like 0.5s-5s, with 0 <= MIN <= MAX; got %q", s)
	}
	return DelayRange{min, max}, nil
}

// Defaults of the experiments, chosen so that "flags2 bench --faults" runs
// all three in about a minute on two cores: the book's error rate, its
// 0.5-5 s DELAY and its Vaurien line, around them a few values to compare.
var (
	DefaultErrorRates = []float64{0.1, 0.25, 0.5}
	DefaultRetries    = []int{0, 1, 3}
	DefaultDelays     = []DelayRange{{500 * time.Millisecond, 5 * time.Second}}
	DefaultTimeouts   = []time.Duration{time.Second, 2 * time.Second, 5 * time.Second}
	DefaultBehaviors  = []string{"25:error,50:delay", "10:reset,10:hang,10:truncate,10:error"}
)

// DefaultChaosTimeout is the client's --timeout in the chaos experiment:
// what a hang costs.
const DefaultChaosTimeout = 2 * time.Second

// Experiment names, as rows carry them.
const (
	expErrors   = "errors"
	expTimeouts = "timeouts"
	expChaos    = "chaos"
)

// ExpRow is one cell of an error-handling experiment: what the bench's rows
// carry, plus the factors of the cell and what became of the codes.
type ExpRow struct {
	Row
	Experiment string   `json:"experiment"`  // "errors", "timeouts" or "chaos"
	ErrorRate  *float64 `json:"error_rate"`  // errors: the share of GETs answered 418
	Retries    int      `json:"retries"`     // the client's --retries
	Delay      string   `json:"delay"`       // timeouts: the server's wait range, "500ms-5s"
	TimeoutS   float64  `json:"timeout_s"`   // the client's --timeout, seconds
	Behavior   string   `json:"behavior"`    // chaos: the Vaurien --behavior list
	Requested  int      `json:"requested"`   // codes asked for
	Existing   int      `json:"existing"`    // of them, codes the data set has
	OK         int      `json:"ok"`          // codes downloaded (median over the runs)
	NotFound   int      `json:"not_found"`   // codes answered 404
	OKPct      float64  `json:"ok_pct"`      // ok ÷ existing, in %
	TheoryPct  *float64 `json:"theory_pct"`  // what theory expects of ok_pct; null where it has nothing to say
	ErrorKinds []Kind   `json:"error_kinds"` // errors by kind, most first
	P99MS      float64  `json:"p99_ms"`      // the client's p99 request latency (median over the runs)
}

// Kind is a count of errors of one kind: "http 418", "timeout", "reset"…
type Kind struct {
	Kind  string `json:"kind"`
	Count int    `json:"count"`
}

// expCell is a cell of an experiment.
type expCell struct {
	*cell
	experiment string
	rate       float64
	retries    int
	delay      DelayRange
	timeout    time.Duration
	behavior   string
}

// factor names what the cell varies, for messages.
func (c *expCell) factor() string {
	switch c.experiment {
	case expErrors:
		return fmt.Sprintf("error rate %g, retries %d", c.rate, c.retries)
	case expTimeouts:
		return fmt.Sprintf("delay %s, timeout %s", c.delay, c.timeout)
	}
	return fmt.Sprintf("behavior %s", c.behavior)
}

// planFaults lays out the cells of the experiments of cfg.Faults.
func planFaults(cfg Config) []*expCell {
	f := cfg.Faults
	var cells []*expCell
	each := func(strategies []string, add func(base *cell)) {
		for _, codes := range cfg.Codes {
			n := len(codeSet(codes, cfg.Limit))
			for _, s := range strategies {
				for _, m := range cfg.Ladder {
					add(&cell{label: s, codes: codes, n: n, full: n, limit: cfg.Limit, m: m, reps: cfg.Reps})
				}
			}
		}
	}
	for _, rate := range f.ErrorRates {
		for _, retries := range f.Retries {
			each(cfg.Strategies, func(c *cell) {
				c.server, c.extra = "ERROR", []string{"--retries", strconv.Itoa(retries)}
				cells = append(cells, &expCell{cell: c, experiment: expErrors, rate: rate, retries: retries})
			})
		}
	}
	for _, d := range f.Delays {
		for _, t := range f.Timeouts {
			each(cfg.Strategies, func(c *cell) {
				c.server, c.extra = "DELAY", []string{"--timeout", t.String()}
				c.ideal = ideal(c.n, c.m, min(d.Max, t))
				cells = append(cells, &expCell{cell: c, experiment: expTimeouts, delay: d, timeout: t})
			})
		}
	}
	chaosStrategies := cmpOr(f.ChaosStrategies, cfg.Strategies)
	timeout := cmpOrDuration(f.ChaosTimeout, DefaultChaosTimeout)
	for _, b := range f.Behaviors {
		each(chaosStrategies, func(c *cell) {
			c.server, c.extra = "CHAOS", []string{"--timeout", timeout.String()}
			cells = append(cells, &expCell{cell: c, experiment: expChaos, behavior: b, timeout: timeout})
		})
	}
	return cells
}

func cmpOr[T any](a, b []T) []T {
	if len(a) > 0 {
		return a
	}
	return b
}

func cmpOrDuration(a, b time.Duration) time.Duration {
	if a > 0 {
		return a
	}
	return b
}

// ExpResult is what MeasureFaults found.
type ExpResult struct {
	Config      Config
	Rows        []ExpRow
	Interrupted bool
	Elapsed     time.Duration
	Cores       int
}

// closer is an endpoint the experiments start and stop.
type closer interface {
	endpoint
	close()
}

// MeasureFaults runs the error-handling experiments of cfg.Faults, one
// client process at a time, each cell against a server of its own kind
// (see Faults). Every run of every cell meets the same seeded faults.
func MeasureFaults(ctx context.Context, cfg Config) (res ExpResult, err error) {
	cfg = cfg.withDefaults()
	res.Config, res.Cores = cfg, coresOf()
	start := time.Now()
	defer func() { res.Elapsed = time.Since(start) }()

	progs, err := programsOf(cfg)
	if err != nil {
		return res, err
	}
	runCell := runOnce
	if cfg.runCell != nil {
		runCell = cfg.runCell
	}
	cells := planFaults(cfg)

	// One server per experiment and factor, made on first use.
	servers := map[string]closer{}
	defer func() {
		for _, s := range servers {
			s.close()
		}
	}()
	endpointOf := func(c *expCell) (closer, error) {
		key := c.experiment + " " + c.factorKey()
		if s, ok := servers[key]; ok {
			return s, nil
		}
		var s closer
		var err error
		switch c.experiment {
		case expErrors:
			s, err = newFlaky(c.rate, cfg.Seed)
		case expTimeouts:
			var d *server
			d, err = newDelayServer(c.delay.Min, c.delay.Max, cfg.Seed)
			s = stoppable{d}
		default:
			s, err = newChaotic(c.behavior, cfg.Seed)
		}
		if err == nil {
			servers[key] = s
		}
		return s, err
	}

	if len(cells) > 0 {
		ep, err := endpointOf(cells[0])
		if err != nil {
			return res, err
		}
		if err := warmUp(ctx, cfg, progs, ep, runCell); err != nil {
			res.Interrupted = ctx.Err() != nil
			return res, err
		}
	}
	prog := newTracker(cfg.Progress, baseCells(cells))
	defer func() { res.Rows = expRows(cfg, cells) }()
	for rep := range cfg.Reps {
		for _, c := range cells {
			if rep >= c.reps {
				continue
			}
			ep, err := endpointOf(c)
			if err != nil {
				prog.finish()
				return res, err
			}
			prog.begin(c.cell, rep)
			r, err := runCell(ctx, cfg, progs, c.cell, ep)
			if err != nil {
				prog.finish()
				res.Interrupted = ctx.Err() != nil
				if res.Interrupted {
					return res, context.Cause(ctx)
				}
				return res, fmt.Errorf("%s (%s): %w", c.experiment, c.factor(), err)
			}
			c.runs = append(c.runs, r)
			prog.end(c.cell, r.wall)
		}
	}
	prog.finish()
	return res, nil
}

// stoppable gives a server the close of the experiments' endpoints.
type stoppable struct{ *server }

func (s stoppable) close() { s.shutdown() }

func (c *expCell) factorKey() string {
	switch c.experiment {
	case expErrors:
		return strconv.FormatFloat(c.rate, 'g', -1, 64)
	case expTimeouts:
		return c.delay.String()
	}
	return c.behavior
}

func baseCells(cells []*expCell) []*cell {
	out := make([]*cell, len(cells))
	for i, c := range cells {
		out[i] = c.cell
	}
	return out
}

// expRows summarizes the cells that have runs.
func expRows(cfg Config, cells []*expCell) []ExpRow {
	var rows []ExpRow
	for _, c := range cells {
		if len(c.runs) == 0 {
			continue
		}
		row := ExpRow{Row: aggregate(cfg, c.cell, ClientName(cfg.Client)), Experiment: c.experiment,
			Retries: c.retries, TimeoutS: c.timeout.Seconds(), Behavior: c.behavior,
			Requested: c.n, Existing: existing(c.codes, c.limit)}
		var oks, notFounds []int
		var p99s []float64
		kinds := map[string]int{}
		q := 1 // the files a code needs, each of which must arrive: 2 for flags3
		for _, r := range c.runs {
			q = max(q, r.paths)
			oks = append(oks, r.ok)
			notFounds = append(notFounds, r.notFound)
			p99s = append(p99s, r.p99ms)
			for k, n := range r.kinds {
				kinds[k] = max(kinds[k], n)
			}
		}
		row.OK, row.NotFound, row.P99MS = medianInt(oks), medianInt(notFounds), medianFloat(p99s)
		if row.Existing > 0 {
			row.OKPct = round(100*float64(row.OK)/float64(row.Existing), 1)
		}
		for k, n := range kinds {
			row.ErrorKinds = append(row.ErrorKinds, Kind{k, n})
		}
		slices.SortFunc(row.ErrorKinds, func(a, b Kind) int {
			if a.Count != b.Count {
				return b.Count - a.Count
			}
			return strings.Compare(a.Kind, b.Kind)
		})
		// Theory for one file is p; a code needs all q of its files, each
		// drawn on its own path: p^q.
		switch c.experiment {
		case expErrors:
			rate := c.rate
			row.ErrorRate = &rate
			row.TheoryPct = ptr(round(100*math.Pow(1-math.Pow(rate, float64(c.retries+1)), float64(q)), 1))
		case expTimeouts:
			row.Delay = c.delay.String()
			row.TheoryPct = ptr(round(100*math.Pow(shareUnder(c.delay, c.timeout), float64(q)), 1))
		}
		rows = append(rows, row)
	}
	return rows
}

func ptr(x float64) *float64 { return &x }

// shareUnder is the share of waits drawn uniformly from d that end before
// the timeout t: the codes a client with --timeout t can get.
func shareUnder(d DelayRange, t time.Duration) float64 {
	switch {
	case t <= d.Min:
		return 0
	case t >= d.Max:
		return 1
	}
	return float64(t-d.Min) / float64(d.Max-d.Min)
}

// existing is how many codes of a set the embedded data set has.
func existing(codes string, limit int) int {
	have := map[string]bool{}
	for _, cc := range countries.All() {
		have[cc] = true
	}
	n := 0
	for _, cc := range codeSet(codes, limit) {
		if have[cc] {
			n++
		}
	}
	return n
}

func medianInt(xs []int) int {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func medianFloat(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
