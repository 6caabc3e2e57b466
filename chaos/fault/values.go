package fault

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"flagsuite/common/command"
)

// ParseDuration reads a duration the way Vaurien's options were written: a
// bare number is seconds (".5" is half a second); Go syntax ("500ms") works
// too. Negative durations are refused.
func ParseDuration(s string) (time.Duration, error) {
	d, err := command.ParseDuration(s)
	switch {
	case errors.Is(err, command.ErrTooLong):
		return 0, fmt.Errorf("%q is over the %v limit", short(s), MaxDuration)
	case err != nil:
		return 0, fmt.Errorf("duration %w", err)
	}
	return d, nil
}

// ParseSize reads a byte count: "1024", "10k", "10KB", "10KiB", "2M" (k and
// M are binary multiples, 1024 and 1024²). An optional "/s" is ignored, so
// rates read the same way.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSuffix(strings.TrimSpace(s), "/s")
	mult := int64(1)
	lower := strings.ToLower(t)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"b", 1}} {
		if strings.HasSuffix(lower, u.suffix) {
			t, mult = t[:len(t)-len(u.suffix)], u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	if err != nil || math.IsNaN(f) || f < 0 || f*float64(mult) > 1<<62 {
		return 0, fmt.Errorf("bad size %q: a byte count like 1024, 10k or 2M", s)
	}
	return int64(f * float64(mult)), nil
}

// ParseFraction reads a share of a whole: "0.5" or "50%".
func ParseFraction(s string) (float64, error) {
	t := strings.TrimSpace(s)
	div := 1.0
	if strings.HasSuffix(t, "%") {
		t, div = t[:len(t)-1], 100
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) || f/div < 0 || f/div > 1 {
		return 0, fmt.Errorf("bad fraction %q: 0 to 1, or 0%% to 100%%", s)
	}
	return f / div, nil
}

// StatusRange is lo through hi, both included.
type StatusRange struct{ Lo, Hi int }

// Statuses is a set of HTTP status codes kept as the ranges they were
// written in, so "200-599" costs two numbers, not four hundred.
type Statuses []StatusRange

// maxStatusItems bounds the items of a status set: a list long enough to
// need more is a mistake or an attack, not a test plan.
const maxStatusItems = 64

// Count returns how many codes the set holds (a code listed twice counts
// twice, which makes it twice as likely to be drawn).
func (s Statuses) Count() int {
	n := 0
	for _, r := range s {
		n += r.Hi - r.Lo + 1
	}
	return n
}

// Pick returns the i-th code of the set, 0 <= i < Count().
func (s Statuses) Pick(i int) int {
	for _, r := range s {
		if w := r.Hi - r.Lo + 1; i >= w {
			i -= w
		} else {
			return r.Lo + i
		}
	}
	panic("fault: status index out of range")
}

// ParseStatuses reads a set of error status codes: "503", "500-503",
// "429,500-504". Codes are 200-599: an interim 1xx is not an answer (the
// client would wait for the real one). At most maxStatusItems items.
func ParseStatuses(s string) (Statuses, error) {
	bad := fmt.Errorf("bad status set %q: codes 200-599 like 503, 500-503 or 429,500-504", short(s))
	if strings.Count(s, ",") >= maxStatusItems {
		return nil, fmt.Errorf("bad status set %q: more than %d items", short(s), maxStatusItems)
	}
	var out Statuses
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, err1 := strconv.Atoi(strings.TrimSpace(lo))
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.Atoi(strings.TrimSpace(hi))
		}
		if err1 != nil || err2 != nil || a < 200 || b > 599 || a > b {
			return nil, bad
		}
		out = append(out, StatusRange{a, b})
	}
	return out, nil
}

// short cuts a long value for an error message.
func short(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// ParseDirection reads a TCP stream name.
func ParseDirection(s string) (Direction, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "up", "upstream":
		return Upstream, nil
	case "down", "downstream":
		return Downstream, nil
	case "both":
		return Both, nil
	}
	return 0, fmt.Errorf("bad stream %q: up, down or both", s)
}

// options reads one fault's option values, falling back on the kind's
// defaults and keeping the first error.
type options struct {
	kind *Kind
	vals map[string]string
	err  error
}

func (o *options) raw(name string) string {
	if v, ok := o.vals[name]; ok {
		return v
	}
	for _, opt := range o.kind.Options {
		if opt.Name == name {
			return opt.Default
		}
	}
	panic("fault: " + o.kind.Name + " has no option " + name)
}

func (o *options) fail(name string, err error) {
	if o.err == nil {
		o.err = fmt.Errorf("%s %s: %w", o.kind.Name, name, err)
	}
}

// parsed reads an option with parse, noting the first error.
func parsed[T any](o *options, name string, parse func(string) (T, error)) T {
	v, err := parse(o.raw(name))
	if err != nil {
		o.fail(name, err)
	}
	return v
}

// MaxDuration bounds every duration option of a fault (ParseDuration
// refuses more): a sleep of a day already outlasts any test run; "9e9"
// seconds is a typo, not a plan.
const MaxDuration = command.MaxDuration

func (o *options) duration(name string) time.Duration { return parsed(o, name, ParseDuration) }

func (o *options) size(name string) int64 { return parsed(o, name, ParseSize) }

func (o *options) positiveSize(name string) int64 {
	n := o.size(name)
	if n <= 0 && o.err == nil {
		o.fail(name, fmt.Errorf("must be more than 0, got %q", o.raw(name)))
	}
	return n
}

func (o *options) fraction(name string) float64 { return parsed(o, name, ParseFraction) }

func (o *options) statuses(name string) Statuses { return parsed(o, name, ParseStatuses) }

func (o *options) count(name string) int {
	n, err := strconv.Atoi(strings.TrimSpace(o.raw(name)))
	if err != nil || n < 0 {
		o.fail(name, fmt.Errorf("bad count %q", o.raw(name)))
	}
	return n
}

func (o *options) choice(name string, allowed ...string) string {
	v := strings.ToLower(strings.TrimSpace(o.raw(name)))
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	o.fail(name, fmt.Errorf("bad value %q: one of %s", o.raw(name), strings.Join(allowed, ", ")))
	return allowed[0]
}
