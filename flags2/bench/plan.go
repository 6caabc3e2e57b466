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
	label   string // the strategy, or "external" / "external2"… for a command
	command string // the external command's template; "" for the client
	server  string // "LOCAL", "DELAY" or "ERROR"
	codes   string // "-a" or "-e"
	n       int    // how many codes that is
	m       int    // the rung (-m); 0 for an external command without {m}
	reps    int    // how many runs it gets
	ideal   time.Duration
	runs    []run
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

	for _, codes := range cfg.Codes {
		n := len(codeSet(codes, cfg.Limit))
		for _, server := range cfg.Servers {
			wait := waitOf(cfg, server)
			add := func(label, command string, m int) {
				c := &cell{label: label, command: command, server: server, codes: codes, n: n, m: m, reps: cfg.Reps}
				if m > 0 { // an external command's own concurrency is unknown, and so is its ideal
					c.ideal = ideal(n, m, wait)
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
