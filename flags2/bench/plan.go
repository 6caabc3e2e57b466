package bench

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"flagsuite/common/countries"
	"flagsuite/common/strategy"
)

// cell is one combination to measure: a client strategy (or an external
// command) against one server, with one code set at one rung of the ladder.
type cell struct {
	label   string   // the strategy, or "external" / "external2"… for a command
	command string   // the external command's template; "" for the client
	server  string   // "LOCAL", "DELAY" or "ERROR"
	codes   string   // "-a" or "-e"
	n       int      // how many codes a run fetches
	full    int      // how many codes the set has (cut by --limit): n, unless the cell runs a subset and scales
	limit   int      // the -l N of each run; 0 for none
	m       int      // the rung (-m); 0 for an external command without {m}
	extra   []string // more client options: --retries, --timeout in the error-handling experiments
	reps    int      // how many runs are planned; noisy cells may get more
	ideal   time.Duration
	runs    []run
	spent   time.Duration // the wall time of its runs so far
}

// scale is what a run's time is multiplied by to stand for the full code
// set: 1, or full/n for a sequential cell measured on a subset.
func (c *cell) scale() float64 { return float64(c.full) / float64(c.n) }

// times returns the elapsed times of the cell's runs.
func (c *cell) times() []time.Duration {
	ts := make([]time.Duration, len(c.runs))
	for i, r := range c.runs {
		ts[i] = r.elapsed
	}
	return ts
}

// plan lays out the cells of cfg (with defaults) in table order: code set,
// server, strategy then external commands, rung. It returns notes on the
// cells it skipped or ran fewer times than cfg.Reps.
func plan(cfg Config) (cells []*cell, notes []string) {
	type key struct {
		server, codes string
		m             int
		ideal         time.Duration
	}
	skipped := map[key][]string{}
	fewer := map[key][]string{}
	var skipOrder, fewerOrder []key
	var subsetNotes []string

	for _, codes := range cfg.Codes {
		n := len(codeSet(codes, cfg.Limit))
		for _, server := range cfg.Servers {
			wait := waitOf(cfg, server)
			add := func(label, command string, m int) {
				c := &cell{label: label, command: command, server: server, codes: codes, n: n, full: n, limit: cfg.Limit, m: m, reps: cfg.Reps}
				if m > 0 { // an external command's own concurrency is unknown, and so is its ideal
					c.ideal = ideal(n, m, wait)
				}
				// Sequential time is linear in the codes (one request after
				// another), so a subset measures it exactly, scaled by N/K:
				// the book's headline contrast stays in the table without
				// minutes of waiting.
				if c.ideal > cfg.MaxCell && strategy.Name(label).IgnoresM() && cfg.Subset > 0 && cfg.Subset < n {
					c.n, c.limit = cfg.Subset, cfg.Subset
					full := c.ideal
					c.ideal = ideal(c.n, m, wait)
					subsetNotes = append(subsetNotes, fmt.Sprintf("~ %s %s %s: measured on its first %d codes and scaled ×%.1f to %d (ideal %s is over --max-cell %s)",
						label, server, codes, c.n, c.scale(), n, seconds(full), cfg.MaxCell))
				}
				k := key{server, codes, m, c.ideal}
				switch {
				case c.ideal > cfg.MaxCell:
					if skipped[k] == nil {
						skipOrder = append(skipOrder, k)
					}
					skipped[k] = append(skipped[k], label)
					return
				case c.ideal > 0:
					c.reps = min(cfg.Reps, max(1, int(cfg.MaxCell/c.ideal)))
					if c.reps < cfg.Reps {
						if fewer[k] == nil {
							fewerOrder = append(fewerOrder, k)
						}
						fewer[k] = append(fewer[k], label)
					}
				}
				cells = append(cells, c)
			}
			for _, s := range cfg.Strategies {
				if strategy.Name(s).IgnoresM() { // it ignores -m: one rung is enough
					add(s, "", 1)
					continue
				}
				for _, m := range cfg.Ladder {
					add(s, "", m)
				}
			}
			for i, command := range cfg.External {
				label := externalLabel(i, len(cfg.External))
				if !strings.Contains(command, "{m}") {
					add(label, command, 0)
					continue
				}
				for _, m := range cfg.Ladder {
					add(label, command, m)
				}
			}
		}
	}
	for _, k := range skipOrder {
		notes = append(notes, fmt.Sprintf("skipped %s %s m=%s for %s: ideal time %s is over --max-cell %s",
			k.server, k.codes, rung(k.m), strings.Join(skipped[k], ", "), seconds(k.ideal), cfg.MaxCell))
	}
	notes = append(notes, subsetNotes...)
	for _, k := range fewerOrder {
		reps := min(cfg.Reps, max(1, int(cfg.MaxCell/k.ideal)))
		notes = append(notes, fmt.Sprintf("%d rep%s only for %s %s m=%s (%s): ideal time %s × %d reps is over --max-cell %s",
			reps, plural(reps), k.server, k.codes, rung(k.m), strings.Join(fewer[k], ", "), seconds(k.ideal), cfg.Reps, cfg.MaxCell))
	}
	return cells, notes
}

// ideal is the least time n requests can take at concurrency m when each
// waits wait at the server: ⌈n/m⌉ rounds of wait. The client caps m at n.
func ideal(n, m int, wait time.Duration) time.Duration {
	if wait <= 0 || n == 0 {
		return 0
	}
	m = min(max(m, 1), n)
	return time.Duration(math.Ceil(float64(n)/float64(m))) * wait
}

// waitOf is how long the server makes every GET wait.
func waitOf(cfg Config, server string) time.Duration {
	switch server {
	case "DELAY":
		return cfg.Delay
	case "ERROR":
		return cfg.ErrorDelay
	}
	return 0
}

// codeSet returns the codes of "-a" or "-e", cut to limit when limit > 0,
// in the order the client fetches them.
func codeSet(codes string, limit int) []string {
	list := countries.All()
	if codes == "-e" {
		list = countries.Every()
	}
	list = slices.Clone(list)
	slices.Sort(list)
	if limit > 0 && limit < len(list) {
		list = list[:limit]
	}
	return list
}

func externalLabel(i, count int) string {
	if count == 1 {
		return "external"
	}
	return fmt.Sprintf("external%d", i+1)
}

// rung shows a rung; 0 is an external command's own concurrency.
func rung(m int) string {
	if m == 0 {
		return "-"
	}
	return fmt.Sprint(m)
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
