// Package behavior reads the fault list of the chaos command line in
// Vaurien's syntax, --behavior 25:error,50:delay, and the per-behaviour
// options --behavior-NAME-OPTION VALUE (--behavior-delay-sleep .5), and
// turns them into fault.Config buckets.
//
// Buckets are exclusive: with 25:error,50:delay a request gets an error with
// probability 0.25, a delay with 0.5, and passes untouched with the
// remaining 0.25. Percentages may have decimals (0.5:reset).
package behavior

import (
	"fmt"
	"strconv"
	"strings"

	"flagsuite/chaos/fault"
)

// Item is one PERCENT:NAME element of a --behavior list. Name may join
// faults with "+" (delay+truncate) to apply them in order.
type Item struct {
	Percent float64
	Name    string
}

// Parse reads a --behavior list. It refuses malformed items, unknown fault
// names, a fault listed twice and percentages over 100 in total; an empty
// list means no faults.
func Parse(list string) ([]Item, error) {
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	var items []Item
	seen := map[string]bool{}
	var total float64
	for raw := range strings.SplitSeq(list, ",") {
		it, err := parseItem(strings.TrimSpace(raw))
		if err != nil {
			return nil, err
		}
		if seen[it.Name] {
			return nil, fmt.Errorf("%q listed twice", it.Name)
		}
		seen[it.Name] = true
		total += it.Percent
		items = append(items, it)
	}
	if total > 100+1e-9 {
		return nil, fmt.Errorf("percentages add up to %g, over 100", total)
	}
	return items, nil
}

func parseItem(s string) (Item, error) {
	pct, name, ok := strings.Cut(s, ":")
	if !ok || s == "" {
		return Item{}, fmt.Errorf("item %q is not PERCENT:NAME", s)
	}
	p, err := parsePercent(strings.TrimSpace(pct))
	if err != nil {
		return Item{}, fmt.Errorf("item %q: %w", s, err)
	}
	names := strings.Split(strings.TrimSpace(name), "+")
	for i, n := range names {
		k, ok := fault.Lookup(n)
		if !ok {
			if strings.TrimSpace(n) == "" {
				return Item{}, fmt.Errorf("item %q has no name", s)
			}
			return Item{}, fmt.Errorf("unknown behavior %q (http: %s; tcp: %s)", strings.TrimSpace(n), fault.Names(fault.HTTP), fault.Names(fault.TCP))
		}
		names[i] = k.Name
	}
	return Item{Percent: p, Name: strings.Join(names, "+")}, nil
}

// parsePercent accepts plain decimals only: "25", "0.5", ".5"; no signs,
// exponents or hex, which strconv.ParseFloat would let through.
func parsePercent(s string) (float64, error) {
	digits, dots := 0, 0
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			dots++
		default:
			digits = -1 << 30
		}
	}
	if digits <= 0 || dots > 1 || len(s) > 12 {
		return 0, fmt.Errorf("bad percentage %q", s)
	}
	p, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("bad percentage %q", s)
	}
	if p > 100 {
		return 0, fmt.Errorf("percentage %s over 100", s)
	}
	return p, nil
}

// Format writes items back in --behavior syntax.
func Format(items []Item) string {
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = strconv.FormatFloat(it.Percent, 'f', -1, 64) + ":" + it.Name
	}
	return strings.Join(parts, ",")
}

// FormatConfigs writes fault configs in --behavior syntax, options left out.
func FormatConfigs(cfgs []fault.Config) string {
	items := make([]Item, len(cfgs))
	for i, c := range cfgs {
		items[i] = Item{Percent: c.Percent, Name: c.Name}
	}
	return Format(items)
}

// Configs joins a parsed list with option values (fault name → option →
// value, as Options.Values gives them) into fault configs. A bucket of one
// fault gets bare option names ("sleep"); a composed one qualified names
// ("delay.sleep"), which is what fault.Buckets expects.
func Configs(items []Item, opts map[string]map[string]string) []fault.Config {
	cfgs := make([]fault.Config, 0, len(items))
	for _, it := range items {
		c := fault.Config{Name: it.Name, Percent: it.Percent}
		names := strings.Split(it.Name, "+")
		for _, n := range names {
			for opt, v := range opts[n] {
				if c.Options == nil {
					c.Options = map[string]string{}
				}
				key := opt
				if len(names) > 1 {
					key = n + "." + opt
				}
				c.Options[key] = v
			}
		}
		cfgs = append(cfgs, c)
	}
	return cfgs
}
