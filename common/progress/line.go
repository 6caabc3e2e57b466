package progress

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// State is what one frame of the live line shows: the counts of the run at
// one moment, and the clock.
type State struct {
	Label string // "flags"
	Total int    // codes in the run
	Done  int    // codes finished (not attempted ones excluded)

	OK, NotFound, Errors, Retries int

	Slots   int            // the run's concurrency, -m
	Held    int            // slots in use
	Lit     func(int) bool // whether slot i is held; nil lights the first Held
	Waiting int            // codes waiting for a slot
	Writes  int            // downloads queued for the writers, not yet on disk

	Elapsed time.Duration
	Rate    float64       // finished codes a second; 0 while unknown
	ETA     time.Duration // time left; negative while unknown
}

// Cells for the bar: a full block and the eighths of one.
const full = '█'

var eighths = []rune(" ▏▎▍▌▋▊▉")

// Bar widths: below minBar cells a bar says nothing; above maxBar it only
// takes room.
const (
	minBar = 6
	maxBar = 50
)

// maxCells is the most slots shown as cells, one each; above it, and when
// they do not fit, the line says "in flight 87/100" instead.
const maxCells = 32

// field is one item of the line in its forms, longest first; the last
// may be "" (left out). drop[i] is how readily form i is given up for the
// next: the line gives up the form with the highest drop first.
type field struct {
	forms []string
	drop  []int
	at    int // the form in use
}

func (f *field) text() string { return f.forms[f.at] }

// one is a field with one form, left out when it does not fit.
func one(s string, drop int) *field {
	if s == "" {
		return &field{forms: []string{""}, drop: []int{0}}
	}
	return &field{forms: []string{s, ""}, drop: []int{drop, 0}}
}

// Render lays out s in at most width columns (every rune of the line takes
// one column) in the manner of tqdm:
//
//	flags  43%|██████▋        | 291/676  ok 120  404 3  err 7  retry 2  slots █████░░░  waiting 59  [00:09<00:30, 98.5 flags/s]
//
// When the line is too long, the least useful items go first: the label,
// the rate, the percentage, the bar, the writers' queue, the ETA, the
// waiting codes; then the slot cells become "in flight 87/100", and so on
// down to the count, which stays. Counts that are zero are not shown.
func Render(s State, width int) string {
	if width < 1 {
		return ""
	}
	pct := 100
	if s.Total > 0 {
		pct = s.Done * 100 / s.Total
	}
	label := one(s.Label, 9)
	percent := one(fmt.Sprintf("%3d%%", pct), 7)
	count := one(fmt.Sprintf("%d/%d", s.Done, s.Total), 0)
	count.drop[0] = -1 // never given up
	counts := []*field{
		nonZero("ok", s.OK, 1), nonZero("404", s.NotFound, 1), nonZero("err", s.Errors, 1),
		nonZero("retry", s.Retries, 3),
	}
	slots := slotField(s)
	waiting := nonZero("waiting", s.Waiting, 4)
	writes := nonZero("writes", s.Writes, 6)
	clock := clockField(s)

	// The bar is a field too: its one form is the smallest bar, which grows
	// into whatever room is left once everything else fits.
	bar := one(strings.Repeat(" ", minBar+2), 6)
	fields := []*field{label, percent, bar, count}
	fields = append(fields, counts...)
	fields = append(fields, slots, waiting, writes, clock)

	for lineWidth(fields) > width {
		worst := -1
		for i, f := range fields {
			if f.at < len(f.forms)-1 && f.drop[f.at] >= 0 &&
				(worst < 0 || f.drop[f.at] > fields[worst].drop[fields[worst].at]) {
				worst = i
			}
		}
		if worst < 0 {
			break
		}
		fields[worst].at++
	}
	if bar.text() != "" {
		cells := minBar + width - lineWidth(fields)
		cells = min(cells, maxBar)
		bar.forms[bar.at] = "|" + drawBar(s.Done, s.Total, cells) + "|"
	}
	var b strings.Builder
	var prev *field
	for _, f := range fields {
		t := f.text()
		if t == "" {
			continue
		}
		// The bar hugs the percentage, as in tqdm; other items stand two
		// spaces apart, so "ok 120  404 3" never reads as "120 404".
		switch {
		case prev == nil, prev == percent && f == bar:
		case prev == label, prev == bar:
			b.WriteString(" ")
		default:
			b.WriteString("  ")
		}
		b.WriteString(t)
		prev = f
	}
	line := b.String()
	if utf8.RuneCountInString(line) > width { // even the count alone does not fit
		line = string([]rune(line)[:width])
	}
	return line
}

// lineWidth is the width of the fields in their current forms, with the
// spaces between them (counted at two each, an upper bound).
func lineWidth(fields []*field) int {
	n, items := 0, 0
	for _, f := range fields {
		if t := f.text(); t != "" {
			n += utf8.RuneCountInString(t)
			items++
		}
	}
	if items > 1 {
		n += 2 * (items - 1)
	}
	return n
}

func nonZero(name string, n, drop int) *field {
	if n == 0 {
		return one("", 0)
	}
	return one(fmt.Sprintf("%s %d", name, n), drop)
}

// slotField shows the slots: one cell per slot when there are few enough,
// lit while held, else "in flight 87/100".
func slotField(s State) *field {
	if s.Slots <= 0 {
		return one("", 0)
	}
	inFlight := fmt.Sprintf("in flight %d/%d", s.Held, s.Slots)
	if s.Slots > maxCells {
		return &field{forms: []string{inFlight, ""}, drop: []int{2, 0}}
	}
	var b strings.Builder
	b.WriteString("slots ")
	for i := range s.Slots {
		lit := i < s.Held
		if s.Lit != nil {
			lit = s.Lit(i)
		}
		if lit {
			b.WriteRune(full)
		} else {
			b.WriteRune('░')
		}
	}
	return &field{forms: []string{b.String(), inFlight, ""}, drop: []int{3, 2, 0}}
}

// clockField is "[00:09<00:30, 98.5 flags/s]", shortened to
// "[00:09<00:30]" and "[00:09]".
func clockField(s State) *field {
	elapsed := clock(s.Elapsed)
	if s.Rate <= 0 || s.ETA < 0 {
		return &field{forms: []string{"[" + elapsed + "]", ""}, drop: []int{2, 0}}
	}
	eta := elapsed + "<" + clock(s.ETA)
	rate := fmt.Sprintf("%.1f %s/s", s.Rate, unit(s.Label))
	return &field{
		forms: []string{"[" + eta + ", " + rate + "]", "[" + eta + "]", "[" + elapsed + "]", ""},
		drop:  []int{8, 5, 2, 0},
	}
}

func unit(label string) string {
	if label == "" {
		return "it"
	}
	return label
}

// clock formats d as tqdm does: 00:09, 12:34, 1:02:03.
func clock(d time.Duration) string {
	secs := int64(d.Round(time.Second) / time.Second)
	h, m, sec := secs/3600, secs/60%60, secs%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, sec)
	}
	return fmt.Sprintf("%02d:%02d", m, sec)
}

// drawBar draws done out of total in cells, with eighths of a cell at the
// front.
func drawBar(done, total, cells int) string {
	if cells <= 0 {
		return ""
	}
	frac := 1.0
	if total > 0 {
		frac = min(float64(done)/float64(total), 1)
	}
	eighthsDone := int(frac * float64(cells*8))
	whole, part := eighthsDone/8, eighthsDone%8
	var b strings.Builder
	b.WriteString(strings.Repeat(string(full), whole))
	if whole < cells {
		b.WriteRune(eighths[part])
		b.WriteString(strings.Repeat(" ", cells-whole-1))
	}
	return b.String()
}
