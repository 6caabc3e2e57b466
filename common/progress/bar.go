package progress

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// throttle is the shortest time between two frames: about 15 per second,
// smooth to the eye and cheap on a slow terminal.
const throttle = 65 * time.Millisecond

// Bar is a plain count bar drawn by github.com/schollz/progressbar: count,
// percent, rate and ETA of one count, at most one frame every 65ms; off a
// terminal, one line at Finish: "flags: 676/676 100% in 1.2s". The library
// never checks for a terminal, writes to stdout unless told otherwise, and
// its throttle may drop the frame of the last update before an
// interruption; Bar owns those decisions.
//
// Bar counts finished items out of a total. Its methods are safe for
// concurrent use, and do nothing on a nil *Bar.
type Bar struct {
	mu       sync.Mutex // guards everything below, and calls into anim
	w        io.Writer
	desc     string
	total    int
	count    int
	start    time.Time
	anim     *progressbar.ProgressBar // nil when w is not a terminal
	finished bool
}

// New returns a bar for total items, labelled desc ("flags"), drawn on w.
// It is animated when w is a terminal (see IsTerminal); otherwise it
// writes nothing until Finish, which writes one line.
func New(w io.Writer, total int, desc string) *Bar {
	return newBar(w, total, desc, IsTerminal(w))
}

// newBar is New with the terminal test decided by the caller, so tests can
// watch the animated bar in a buffer.
func newBar(w io.Writer, total int, desc string, terminal bool) *Bar {
	b := &Bar{w: w, desc: desc, total: max(total, 0), start: time.Now()}
	if terminal && total > 0 { // the library refuses a total of 0
		b.anim = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(w), // not its default, stdout
			progressbar.OptionSetDescription(desc),
			progressbar.OptionSetWidth(30), // shrunk to fit a narrow terminal
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionShowElapsedTimeOnFinish(),
			progressbar.OptionThrottle(throttle),
			progressbar.OptionSetRenderBlankState(true),
		)
	}
	return b
}

// Add counts n more items done. Counts past the total are ignored.
func (b *Bar) Add(n int) {
	if b == nil || n <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.finished {
		return
	}
	n = min(n, b.total-b.count)
	if n <= 0 {
		return
	}
	b.count += n
	if b.anim != nil {
		// Reaching the total always draws, throttle or not: the library
		// renders the final frame when the count hits its max.
		b.anim.Add(n)
	}
}

// Finish ends the bar. On a terminal, a complete bar stays on screen as it
// is and the cursor moves to the next line; an incomplete one (the run was
// interrupted) is replaced by the plain summary line, since its last frame
// may be up to one throttle interval stale. Off a terminal, Finish writes
// the summary line. Later calls do nothing.
func (b *Bar) Finish() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.finished {
		return
	}
	b.finished = true
	if b.anim != nil {
		if b.count == b.total {
			fmt.Fprintln(b.w)
			return
		}
		b.anim.Clear()
		b.anim.Exit() // stops any further drawing
	}
	fmt.Fprintln(b.w, b.summary(time.Since(b.start)))
}

// summary is the plain line: "flags: 300/676 44% in 1.2s".
func (b *Bar) summary(elapsed time.Duration) string {
	percent := 100
	if b.total > 0 {
		percent = b.count * 100 / b.total
	}
	return fmt.Sprintf("%s: %d/%d %d%% in %.1fs", b.desc, b.count, b.total, percent, elapsed.Seconds())
}
