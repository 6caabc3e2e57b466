package progress

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"
	"unicode/utf8"

	"flagsuite/common/engine"
	"flagsuite/common/fetch"
	"flagsuite/common/progress/ptytest"
	"flagsuite/common/report"
	"flagsuite/common/store"
	"flagsuite/common/strategy"
)

func TestIsTerminal(t *testing.T) {
	t.Parallel()
	f, err := os.CreateTemp(t.TempDir(), "log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	_, pty := ptytest.Open(t, 80)
	var nilFile *os.File
	tests := []struct {
		name string
		w    io.Writer
		want bool
	}{
		{"buffer", &bytes.Buffer{}, false},
		{"regular file", f, false},
		{"pipe", w, false},
		{"/dev/null", null, false},
		{"nil *os.File", nilFile, false},
		{"pty", pty, true},
	}
	for _, tt := range tests {
		if got := IsTerminal(tt.w); got != tt.want {
			t.Errorf("IsTerminal(%s) = %v; want %v", tt.name, got, tt.want)
		}
	}
	if got := NewLive(pty, Auto, 10, 2, "flags").Mode(); got != TTY {
		t.Errorf("NewLive(pty, Auto).Mode() = %v; want tty", got)
	}
	if got := NewLive(null, Auto, 10, 2, "flags").Mode(); got != Plain {
		t.Errorf("NewLive(/dev/null, Auto).Mode() = %v; want plain", got)
	}
}

// TestLiveWidthFollowsTerminal draws frames on a pty that is resized
// between them: each frame fits the size the terminal has at that moment.
func TestLiveWidthFollowsTerminal(t *testing.T) {
	t.Parallel()
	master, slave := ptytest.Open(t, 120)
	stop := ptytest.Record(master, slave)
	l := NewLive(slave, TTY, 676, 100, "flags")
	start := time.Now()
	for _, cc := range []string{"AA", "AB", "AC"} {
		l.Observe(engine.Event{Kind: engine.Queued, CC: cc, At: start})
	}
	l.Observe(engine.Event{Kind: engine.SlotTaken, CC: "AA", At: start})
	var widths []int
	for i, cols := range []int{120, 40, 80} {
		ptytest.Resize(t, slave, cols)
		l.Observe(engine.Event{Kind: engine.Tick, At: start.Add(time.Duration(i+1) * time.Second)})
		widths = append(widths, cols)
	}
	l.Finish(start.Add(4 * time.Second))
	out := stop()
	fs := frames(out)
	if len(fs) != 4 {
		t.Fatalf("%d frames in %q; want 3 and the final line", len(fs), out)
	}
	for i, cols := range widths {
		frame := strings.TrimSuffix(strings.TrimSuffix(fs[i], "\x1b[J"), "\x1b[1A")
		frame = strings.TrimSuffix(frame, "\x1b[2A")
		if w := utf8.RuneCountInString(strip(frame)); w >= cols {
			t.Errorf("frame %d at %d columns is %d wide: %q", i, cols, w, fs[i])
		}
	}
	// The frame of 120 columns, wrapped by the terminal over three rows of
	// 40, is cleared from its first row before the frame of 40 is drawn.
	wide := utf8.RuneCountInString(strip(fs[0]))
	if want := fmt.Sprintf("\x1b[%dA", (wide-1)/40); wide <= 40 || !strings.HasSuffix(fs[0], want) || !strings.HasPrefix(fs[1], "\x1b[J") {
		t.Errorf("frames %q then %q; want the second to go up %s and clear the wrapped first", fs[0], fs[1], want)
	}
	if !strings.Contains(fs[0], "in flight 1/100") || !strings.Contains(fs[0], "waiting 2") {
		t.Errorf("frame at 120 columns = %q; want the slots in use and the codes waiting", fs[0])
	}
}

// frames splits terminal output into what each '\r' starts.
func frames(s string) []string {
	return strings.Split(s, "\r")[1:]
}

// strip removes the erase-to-end-of-line code and line ends of a frame.
func strip(frame string) string {
	return strings.TrimRight(strings.ReplaceAll(frame, "\x1b[K", ""), "\r\n")
}

// fakeServer answers like the book's servers without a network: codes
// starting with X are 404, Y answer 418 (retried), others 200; every answer
// takes a while that depends on the code, so requests overlap unevenly.
func fakeServer(r *http.Request) (*http.Response, error) {
	path := r.URL.Path
	cc := strings.ToUpper(path[1:3])
	time.Sleep(time.Duration(100+int(cc[1]-'A')*20) * time.Millisecond)
	code, body := 200, "GIF89a flag"
	switch cc[0] {
	case 'X':
		code, body = 404, "not found"
	case 'Y':
		code, body = 418, "teapot"
	}
	return &http.Response{
		StatusCode: code, Status: strconv.Itoa(code) + " " + http.StatusText(code), Proto: "HTTP/1.1",
		ProtoMajor: 1, ProtoMinor: 1, Header: http.Header{}, ContentLength: int64(len(body)),
		Body: io.NopCloser(strings.NewReader(body)), Request: r,
	}, nil
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// downloadTask makes requests per code with the real client: one, or two
// like flags3 (at once under a gate, one after the other without one).
func downloadTask(client *fetch.Client, requests int) engine.Task {
	return func(ctx context.Context, cc string, gate fetch.Gate) engine.Outcome {
		get := func(name string) error {
			_, err := client.Get(ctx, "http://flags.test/"+strings.ToLower(cc)+"/"+name, gate)
			return err
		}
		var err error
		switch {
		case requests == 1:
			err = get("flag.gif")
		case gate == fetch.NoGate:
			if err = get("flag.gif"); err == nil {
				err = get("metadata.json")
			}
		default:
			other := make(chan error, 1)
			go func() { other <- get("metadata.json") }()
			err = get("flag.gif")
			if e := <-other; err == nil {
				err = e
			}
		}
		r := report.Result{CC: cc, Status: report.OK, File: cc + ".gif"}
		switch {
		case fetch.IsNotFound(err):
			r.Status, r.File = report.NotFound, ""
		case err != nil:
			r.Status, r.File, r.Err = report.Error, "", err
		default:
			return engine.Outcome{Result: r, Save: []byte(cc)}
		}
		return engine.Outcome{Result: r}
	}
}

var (
	countRE = regexp.MustCompile(`(?:^|\s)(\d+)/(\d+)(?:\s|$)`)
	slotsRE = regexp.MustCompile(`slots ([█░]+)`)
	flightR = regexp.MustCompile(`in flight (\d+)/(\d+)`)
)

// fieldCount reads "name N" from a frame; -1 when the frame does not show it.
func fieldCount(frame, name string) int {
	m := regexp.MustCompile(`(?:^|\s)` + name + ` (\d+)(?:\s|$)`).FindStringSubmatch(frame)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestLiveFramesFollowEvents runs the engine in a bubble with each strategy,
// one and two requests per code, and a live line of 40, 80 and 120
// columns. At every frame, what the line shows equals what the test counts
// from the same events; slots lit never exceed -m; the run ends with one
// clean final line.
func TestLiveFramesFollowEvents(t *testing.T) {
	t.Parallel()
	codes := []string{}
	for _, a := range "ABXY" {
		for _, b := range "ABCDEFGHIJKLMNOP" {
			codes = append(codes, string(a)+string(b))
		}
	}
	for _, st := range strategy.All {
		for _, requests := range []int{1, 2} {
			for _, cols := range []int{40, 80, 120} {
				for _, m := range []int{4, 50} {
					if st == strategy.Sequential {
						if m > 4 {
							continue
						}
						m = 1
					}
					name := fmt.Sprintf("%s/requests=%d/cols=%d/m=%d", st, requests, cols, m)
					t.Run(name, func(t *testing.T) {
						t.Parallel()
						synctest.Test(t, func(t *testing.T) { checkFrames(t, st, requests, cols, m, codes) })
					})
				}
			}
		}
	}
}

// tally counts events the simplest way, apart from engine.Gauges.
type tally struct {
	Done, OK, NotFound, Errors, Retries, Held, Writes int
	waiting                                           map[string]bool
}

func (c *tally) apply(e engine.Event) {
	if c.waiting == nil {
		c.waiting = map[string]bool{}
	}
	switch e.Kind {
	case engine.Queued:
		c.waiting[e.CC] = true
	case engine.SlotTaken:
		delete(c.waiting, e.CC)
		c.Held++
	case engine.SlotFreed:
		c.Held--
	case engine.AttemptStart:
		if e.N > 1 {
			c.Retries++
		}
	case engine.WriteQueued:
		c.Writes++
	case engine.WriteDone:
		c.Writes--
	case engine.Done:
		delete(c.waiting, e.CC)
		c.Done++
		switch e.Result.Status {
		case report.OK:
			c.OK++
		case report.NotFound:
			c.NotFound++
		case report.Error:
			c.Errors++
		}
	}
}

func checkFrames(t *testing.T, st strategy.Name, requests, cols, m int, codes []string) {
	client := fetch.New(fetch.Config{Transport: roundTripFunc(fakeServer), Retries: 1,
		BackoffBase: 30 * time.Millisecond, BackoffCap: 30 * time.Millisecond})
	var out bytes.Buffer
	l := NewLive(&out, TTY, len(codes), m, "flags")
	l.SetWidth(cols)
	var mirror tally // the test's own count of the same events
	frames, maxHeld := 0, 0
	observe := func(e engine.Event) {
		mirror.apply(e)
		maxHeld = max(maxHeld, mirror.Held)
		before := out.Len()
		l.Observe(e)
		if e.Kind != engine.Tick {
			if out.Len() != before {
				t.Fatalf("%v event drew %q; only ticks draw", e.Kind, out.String()[before:])
			}
			return
		}
		frames++
		frame := out.String()[before:]
		if !strings.HasPrefix(frame, "\r") || !strings.HasSuffix(frame, "\x1b[K") || strings.Contains(frame, "\n") {
			t.Fatalf("frame %q; want \\r, the line, erase to end of line", frame)
		}
		line := strip(frame[1:])
		if w := utf8.RuneCountInString(line); w > cols-1 {
			t.Errorf("frame %q is %d wide; want at most %d", line, w, cols-1)
		}
		cm := countRE.FindStringSubmatch(line)
		if cm == nil || cm[1] != strconv.Itoa(mirror.Done) || cm[2] != strconv.Itoa(len(codes)) {
			t.Errorf("frame %q; want count %d/%d", line, mirror.Done, len(codes))
		}
		for name, want := range map[string]int{"ok": mirror.OK, "404": mirror.NotFound,
			"err": mirror.Errors, "retry": mirror.Retries, "waiting": len(mirror.waiting), "writes": mirror.Writes} {
			if got := fieldCount(line, name); got != -1 && got != want || got == -1 && cols >= 120 && want > 0 {
				t.Errorf("frame %q shows %s %d; the events say %d", line, name, got, want)
			}
		}
		switch sm, fm := slotsRE.FindStringSubmatch(line), flightR.FindStringSubmatch(line); {
		case sm != nil:
			cells := []rune(sm[1])
			lit := strings.Count(sm[1], "█")
			if len(cells) != m || lit != mirror.Held || lit > m {
				t.Errorf("frame %q: %d cells, %d lit; want %d cells, %d lit", line, len(cells), lit, m, mirror.Held)
			}
		case fm != nil:
			if fm[1] != strconv.Itoa(mirror.Held) || fm[2] != strconv.Itoa(m) {
				t.Errorf("frame %q; want in flight %d/%d", line, mirror.Held, m)
			}
		case cols >= 80:
			t.Errorf("frame %q at %d columns shows no slots", line, cols)
		}
	}
	writers := store.NewPool(2)
	engine.Run(context.Background(), engine.Config{Strategy: st, Concurrency: m, Dest: t.TempDir(),
		Writers: writers, Observe: observe, Tick: l.Tick()}, codes, downloadTask(client, requests), func(report.Result) {})
	writers.Close()
	l.Finish(time.Now())

	if frames < 3 {
		t.Errorf("%d frames; want a run long enough to draw several", frames)
	}
	if maxHeld > m {
		t.Errorf("the events held %d slots at once; want at most %d", maxHeld, m)
	}
	got := out.String()
	if strings.Count(got, "\n") != 1 || !strings.HasSuffix(got, "\x1b[K\n") {
		t.Fatalf("output ends %q; want one line end, after the final line", got[max(0, len(got)-200):])
	}
	fs := strings.Split(got, "\r")
	final := strip(fs[len(fs)-1])
	want := fmt.Sprintf("flags: %d/%d 100%%  ok %d  404 %d  err %d  retry %d  in ", len(codes), len(codes),
		mirror.OK, mirror.NotFound, mirror.Errors, mirror.Retries)
	if cols >= 80 && !strings.HasPrefix(final, want) || utf8.RuneCountInString(final) > cols-1 {
		t.Errorf("final line %q; want it to start %q and fit %d columns", final, want, cols-1)
	}
}

// TestPlainLines runs a long and a short run off a terminal: plain lines
// every PlainEvery after PlainAfter for the long one, only the final line
// for the short one, and never an escape code or a carriage return.
func TestPlainLines(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		run   time.Duration
		lines int
	}{{25 * time.Second, 5}, {3 * time.Second, 1}} {
		synctest.Test(t, func(t *testing.T) {
			var out bytes.Buffer
			l := NewLive(&out, Auto, 10, 5, "flags") // a buffer is no terminal
			start := time.Now()
			l.Observe(engine.Event{Kind: engine.Queued, CC: "BR", At: start})
			ticker := time.NewTicker(l.Tick())
			for time.Since(start) < tt.run {
				l.Observe(engine.Event{Kind: engine.Tick, At: <-ticker.C})
			}
			ticker.Stop()
			l.Observe(engine.Event{Kind: engine.Done, CC: "BR", At: time.Now(), Result: report.Result{CC: "BR", Status: report.OK}})
			l.Finish(time.Now())
			got := out.String()
			if n := strings.Count(got, "\n"); n != tt.lines || strings.ContainsAny(got, "\r\x1b") {
				t.Errorf("%v run wrote %q; want %d plain lines", tt.run, got, tt.lines)
			}
		})
	}
}

// TestETADoesNotJump feeds the meter completions in bursts, the way a
// DELAY server with -m 5 gives them: five at once, then a long wait. The
// ETA shown never changes by more than a factor of three from one frame to
// the next.
func TestETADoesNotJump(t *testing.T) {
	var m meter
	const total = 200
	n, last := 0, 0.0
	for tick := 1; tick <= 400 && n < total; tick++ {
		elapsed := time.Duration(tick) * 100 * time.Millisecond
		if tick%25 == 0 { // every 2.5 s, five codes finish together
			n += 5
		}
		m.update(elapsed, n)
		r := m.rate()
		if r == 0 {
			continue
		}
		eta := float64(total-n) / r
		if last > 0 && (eta > 3*last || eta < last/3) && eta > 1 {
			t.Fatalf("at %v the ETA went from %.1fs to %.1fs", elapsed, last, eta)
		}
		last = eta
	}
	if last == 0 {
		t.Fatal("the meter never gave a rate")
	}
}

func TestNoRateBeforeASecond(t *testing.T) {
	var m meter
	m.update(900*time.Millisecond, 50)
	if r := m.rate(); r != 0 {
		t.Errorf("rate after 0.9s = %v; want none yet", r)
	}
	m.update(time.Second, 0)
	if r := m.rate(); r != 0 {
		t.Errorf("rate with nothing done = %v; want none yet", r)
	}
	m.update(1500*time.Millisecond, 15)
	if r := m.rate(); r != 10 {
		t.Errorf("rate at 15 done in 1.5s = %v; want 10", r)
	}
}

func TestParseMode(t *testing.T) {
	for _, s := range []string{"auto", "tty", "plain", "none"} {
		m, err := ParseMode(s)
		if err != nil || m.String() != s {
			t.Errorf("ParseMode(%q) = %v, %v; want %s", s, m, err, s)
		}
	}
	if _, err := ParseMode("fancy"); err == nil {
		t.Error(`ParseMode("fancy") = nil error; want one`)
	}
}

// TestFinalLineFits: the final line of an interrupted run, the longest
// there is, gives up items to fit a narrow terminal, keeping the count.
func TestFinalLineFits(t *testing.T) {
	t.Parallel()
	l := NewLive(io.Discard, TTY, 194, 5, "flags")
	l.g.Counts[report.OK], l.g.Counts[report.Cancelled], l.g.Counts[report.NotAttempted] = 25, 5, 164
	l.g.Queued, l.g.Finished = 194, 194
	s := State{Label: "flags", Total: 194, Done: 30, OK: 25, Elapsed: 2900 * time.Millisecond, Rate: 8.6}
	full := l.final(s, 0)
	if want := "flags: 30/194 15%  ok 25  cancelled 5  not attempted 164  in 2.9s (8.6 flags/s)"; full != want {
		t.Errorf("final line = %q; want %q", full, want)
	}
	for _, cols := range []int{79, 49, 39, 20, 5} {
		line := l.final(s, cols)
		if utf8.RuneCountInString(line) > cols || !strings.Contains(line, "30/194"[:min(cols, 6)]) {
			t.Errorf("final line in %d columns = %q; want it to fit and keep the count", cols, line)
		}
	}
}
