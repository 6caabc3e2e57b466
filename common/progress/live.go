package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/term"

	"flagsuite/common/engine"
	"flagsuite/common/report"
)

// Mode says how progress is shown, after docker build --progress.
type Mode int

const (
	Auto  Mode = iota // TTY on a terminal, Plain elsewhere
	TTY               // the live line, redrawn in place
	Plain             // plain lines now and then, no escape codes
	None              // nothing
)

var modeNames = [...]string{"auto", "tty", "plain", "none"}

// Modes lists the names ParseMode takes.
const Modes = "auto, tty, plain, none"

func (m Mode) String() string {
	if m >= 0 && int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// ParseMode reads a mode name.
func ParseMode(s string) (Mode, error) {
	for i, n := range modeNames {
		if s == n {
			return Mode(i), nil
		}
	}
	return Auto, fmt.Errorf("--progress must be one of %s; got %q", Modes, s)
}

// Set and Type make *Mode a flag value (pflag.Value).
func (m *Mode) Set(s string) error {
	v, err := ParseMode(s)
	if err == nil {
		*m = v
	}
	return err
}

// Type names the value in help text.
func (m *Mode) Type() string { return "MODE" }

// IsTerminal reports whether w is a terminal, where animation frames make
// sense: an *os.File on which the terminal ioctls work. /dev/null, a
// regular file and a pipe are not.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && f != nil && term.IsTerminal(int(f.Fd()))
}

// Frame and plain-line intervals.
const (
	// FrameEvery is how often the live line is redrawn: smooth to the eye,
	// cheap on a slow terminal. Pass it as the engine's Tick.
	FrameEvery = 100 * time.Millisecond
	// PlainEvery is how often a plain line is printed off a terminal, from
	// PlainAfter on; shorter runs print only the final line.
	PlainEvery = 5 * time.Second
	PlainAfter = 10 * time.Second
	// fallbackWidth is used when the terminal's size cannot be read.
	fallbackWidth = 80
)

// Live shows a run as it goes, from the engine's events: on a terminal a
// line redrawn in place (see Render), elsewhere a plain line every
// PlainEvery once the run is longer than PlainAfter, and in both one final
// line at Finish. It is used by the run's owner goroutine only: Observe is
// the engine's Config.Observe, so it needs no lock.
type Live struct {
	w     io.Writer
	mode  Mode // TTY, Plain or None once resolved
	width func() int
	label string

	g         engine.Gauges
	start     time.Time
	meter     meter
	shown     bool      // a frame is on screen (TTY)
	lastLen   int       // its width
	lastCols  int       // the terminal's width when it was drawn
	lastPlain time.Time // when the last plain line was printed
	done      bool
}

// NewLive returns the display of a run of total codes with slots slots,
// labelled ("flags"), drawn on w. Auto becomes TTY when w is a terminal
// (IsTerminal) and Plain otherwise; the terminal's width is read at every
// frame, so the line follows a resized window.
func NewLive(w io.Writer, mode Mode, total, slots int, label string) *Live {
	if mode == Auto {
		mode = Plain
		if IsTerminal(w) {
			mode = TTY
		}
	}
	l := &Live{w: w, mode: mode, label: label, width: func() int { return fallbackWidth }}
	if f, ok := w.(*os.File); ok && f != nil {
		fd := int(f.Fd())
		l.width = func() int {
			if cols, _, err := term.GetSize(fd); err == nil && cols > 0 {
				return cols
			}
			return fallbackWidth
		}
	}
	l.g.Slots = slots
	_ = total // every code arrives as a Queued event
	return l
}

// Mode is the mode in use.
func (l *Live) Mode() Mode { return l.mode }

// SetWidth makes the live line use a fixed width instead of the terminal's.
func (l *Live) SetWidth(cols int) { l.width = func() int { return cols } }

// Tick is the engine's Config.Tick that suits the mode: a frame rate on a
// terminal, a second otherwise, nothing when nothing is shown.
func (l *Live) Tick() time.Duration {
	switch l.mode {
	case TTY:
		return FrameEvery
	case Plain:
		return time.Second
	}
	return 0
}

// Gauges returns the live counts, for callers that show them elsewhere.
func (l *Live) Gauges() *engine.Gauges { return &l.g }

// Observe takes one event of the run. On a terminal, a Tick draws a frame;
// off one, a Tick may print a plain line.
func (l *Live) Observe(e engine.Event) {
	if l.done {
		return
	}
	if l.start.IsZero() {
		l.start = e.At
	}
	l.g.Apply(e)
	if e.Kind != engine.Tick || l.mode == None {
		return
	}
	l.meter.update(e.At.Sub(l.start), l.g.Attempted())
	switch l.mode {
	case TTY:
		cols := l.width()
		line := Render(l.state(e.At), cols-1)
		fmt.Fprint(l.w, l.lead(cols)+line+"\x1b[K")
		l.shown, l.lastLen, l.lastCols = true, utf8.RuneCountInString(line), cols
	case Plain:
		elapsed := e.At.Sub(l.start)
		if elapsed >= PlainAfter && e.At.Sub(l.lastPlain) >= PlainEvery {
			fmt.Fprintln(l.w, l.plain(l.state(e.At)))
			l.lastPlain = e.At
		}
	}
}

// Finish ends the display at the time at: on a terminal, the live line is
// replaced by the final one and the cursor goes to the next line; off one,
// the final line is printed. Later calls, and events, do nothing.
func (l *Live) Finish(at time.Time) {
	if l.done {
		return
	}
	l.done = true
	if l.mode == None {
		return
	}
	if l.start.IsZero() {
		l.start = at
	}
	s := l.state(at)
	s.Rate, s.ETA = 0, -1
	if el := at.Sub(l.start).Seconds(); el > 0 && s.Done > 0 {
		s.Rate = float64(s.Done) / el
	}
	if l.mode == TTY {
		cols := l.width()
		fmt.Fprint(l.w, l.lead(cols)+l.final(s, cols-1)+"\x1b[K\n")
		return
	}
	fmt.Fprintln(l.w, l.final(s, 0))
}

// lead returns what goes before a frame: a carriage return; and when the
// terminal got narrower than the last frame since it was drawn, a move up
// to that frame's first row before it and a clear to the end of the screen
// after it. Terminals that reflow their lines on a resize (tmux, VTE,
// iTerm2, kitty, Windows Terminal) have wrapped that frame over several
// rows, and a carriage return alone would leave the first ones on screen.
func (l *Live) lead(cols int) string {
	if !l.shown || cols >= l.lastCols || cols < 1 || l.lastLen <= cols {
		return "\r"
	}
	return fmt.Sprintf("\x1b[%dA\r\x1b[J", (l.lastLen-1)/cols)
}

func (l *Live) state(at time.Time) State {
	g := &l.g
	s := State{
		Label: l.label, Total: g.Queued, Done: g.Attempted(),
		OK: g.Counts[report.OK], NotFound: g.Counts[report.NotFound], Errors: g.Counts[report.Error],
		Retries: g.Retries, Slots: g.Slots, Held: g.Held, Lit: g.Lit, Waiting: g.Waiting, Writes: g.WritesQueued,
		Elapsed: at.Sub(l.start), ETA: -1,
	}
	if r := l.meter.rate(); r > 0 && s.Done > 0 {
		s.Rate = r
		s.ETA = time.Duration(float64(s.Total-s.Done) / r * float64(time.Second))
	}
	return s
}

// plain is a progress line for a log: every count, no bar, no cells.
//
//	flags: 120/194 61%  ok 118  err 2  in flight 5/5  waiting 69  [00:12<00:07, 9.8 flags/s]
func (l *Live) plain(s State) string {
	s.Lit = nil
	line := fmt.Sprintf("%s: %d/%d %d%%", s.Label, s.Done, s.Total, percent(s))
	for _, f := range []*field{
		nonZero("ok", s.OK, 0), nonZero("404", s.NotFound, 0), nonZero("err", s.Errors, 0),
		nonZero("retry", s.Retries, 0), {forms: []string{fmt.Sprintf("in flight %d/%d", s.Held, s.Slots)}},
		nonZero("waiting", s.Waiting, 0), nonZero("writes", s.Writes, 0), clockField(s),
	} {
		if t := f.text(); t != "" {
			line += "  " + t
		}
	}
	return line
}

// final is the last line: "flags: 676/676 100%  ok 194  404 482  in 1.2s
// (563.3 flags/s)". Given a width above 0, it gives up items to fit it,
// the least useful first, down to the count.
func (l *Live) final(s State, width int) string {
	fields := []*field{
		one(s.Label+":", 6), one(fmt.Sprintf("%d/%d", s.Done, s.Total), -1), one(fmt.Sprintf("%d%%", percent(s)), 5),
		nonZero("ok", s.OK, 1), nonZero("404", s.NotFound, 1), nonZero("err", s.Errors, 1), nonZero("retry", s.Retries, 3),
		nonZero("cancelled", l.g.Counts[report.Cancelled], 2), nonZero("not attempted", l.g.Counts[report.NotAttempted], 2),
		one(fmt.Sprintf("in %.1fs", s.Elapsed.Seconds()), 4),
	}
	if s.Rate > 0 {
		fields = append(fields, one(fmt.Sprintf("(%.1f %s/s)", s.Rate, unit(s.Label)), 7))
	}
	fields[1].drop[0] = -1 // the count stays
	join := func() string {
		var b strings.Builder
		for i, f := range fields {
			if t := f.text(); t != "" {
				if b.Len() > 0 {
					// "flags: 676/676 100%", then items two spaces apart
					b.WriteString(map[bool]string{true: " ", false: "  "}[i <= 2 || i == len(fields)-1 && s.Rate > 0])
				}
				b.WriteString(t)
			}
		}
		return b.String()
	}
	for width > 0 && utf8.RuneCountInString(join()) > width {
		worst := -1
		for i, f := range fields {
			if f.at < len(f.forms)-1 && f.drop[f.at] >= 0 && (worst < 0 || f.drop[f.at] > fields[worst].drop[fields[worst].at]) {
				worst = i
			}
		}
		if worst < 0 {
			return string([]rune(join())[:width])
		}
		fields[worst].at++
	}
	return join()
}

func percent(s State) int {
	if s.Total == 0 {
		return 100
	}
	return s.Done * 100 / s.Total
}

// meter estimates the rate of finished codes: nothing until the run is a
// second old and has finished a code; then the rate over a recent window
// (the last quarter of the run, at least five seconds), blended half and
// half with the whole run's average. A window, not a moving average of
// instants, because completions come in bursts (five slots against a slow
// server finish together, then nothing for seconds): the rate of an instant
// swings between zero and many times the truth, and an ETA built on it
// jumps by orders of magnitude. The recent half lets the ETA follow a run
// that speeds up or slows down for good.
type meter struct {
	samples []sample // oldest first, at least sampleEvery apart
	average float64
}

type sample struct {
	at time.Duration
	n  int
}

const (
	meterAfter  = time.Second
	minWindow   = 5 * time.Second
	sampleEvery = 250 * time.Millisecond
)

func (m *meter) update(elapsed time.Duration, n int) {
	if elapsed <= 0 {
		return
	}
	m.average = float64(n) / elapsed.Seconds()
	if len(m.samples) > 0 && elapsed-m.samples[len(m.samples)-1].at < sampleEvery {
		return
	}
	if len(m.samples) == 0 {
		m.samples = append(m.samples, sample{0, 0}) // the start of the run
	}
	m.samples = append(m.samples, sample{elapsed, n})
	window := max(minWindow, elapsed/4)
	drop := 0
	for drop < len(m.samples)-2 && elapsed-m.samples[drop+1].at >= window {
		drop++
	}
	m.samples = m.samples[drop:]
}

// rate is 0 until the meter has something to say.
func (m *meter) rate() float64 {
	if len(m.samples) < 2 {
		return 0
	}
	first, last := m.samples[0], m.samples[len(m.samples)-1]
	if last.at < meterAfter || last.n == 0 {
		return 0
	}
	recent := float64(last.n-first.n) / (last.at - first.at).Seconds()
	return (recent + m.average) / 2
}
