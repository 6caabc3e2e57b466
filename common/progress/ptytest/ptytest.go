// Package ptytest opens pseudo-terminals for tests that must see what a
// program draws on a real terminal — the program writes to the slave end,
// which is a terminal of a chosen size, and the test reads the master end —
// and checks what progress.Live drew there.
package ptytest

import (
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/sys/unix"
)

// Open opens a pseudo-terminal of cols columns and 24 rows and returns the
// master end, to read from, and the slave end, to hand the program. Both
// are closed when the test ends; a system without pseudo-terminals skips
// the test.
func Open(t testing.TB, cols int) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	fd := int(m.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil { // unlockpt
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN) // ptsname
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	Resize(t, s, cols)
	return m, s
}

// Resize sets the terminal's width to cols.
func Resize(t testing.TB, slave *os.File, cols int) {
	t.Helper()
	if err := unix.IoctlSetWinsize(int(slave.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: uint16(cols)}); err != nil {
		t.Fatal(err)
	}
}

// Record reads the master end in the background until the slave is closed;
// the returned function closes the slave and returns all that was drawn,
// with the terminal's "\r\n" line ends back to "\n".
func Record(master, slave *os.File) func() string {
	done := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(master) // ends with EIO once the slave is closed
		done <- b
	}()
	return func() string {
		slave.Close()
		b := <-done
		out := make([]byte, 0, len(b))
		for i := 0; i < len(b); i++ {
			if b[i] == '\r' && i+1 < len(b) && b[i+1] == '\n' {
				continue
			}
			out = append(out, b[i])
		}
		return string(out)
	}
}

var (
	slotCells = regexp.MustCompile(`slots ([█░]+)`)
	inFlight  = regexp.MustCompile(`in flight (\d+)/(\d+)`)
)

// Want is what the final line of a run must say.
type Want struct {
	Cols, Slots          int // the terminal's width and the run's -m
	OK, NotFound, Errors int
}

// CheckLive checks what progress.Live drew on a terminal of w.Cols columns
// during a whole run: every frame starts with "\r", fits in the width and
// lights at most w.Slots slots; the output ends with the one final line,
// whose counts are those of w.
func CheckLive(t testing.TB, out string, w Want) {
	t.Helper()
	if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") || !strings.HasPrefix(out, "\r") {
		t.Fatalf("live output %q; want frames that each start with \\r and one line end, at the end", clip(out))
	}
	frames := strings.Split(strings.TrimSuffix(out, "\n"), "\r")[1:]
	for _, f := range frames {
		line := strings.ReplaceAll(f, "\x1b[K", "")
		if n := utf8.RuneCountInString(line); n >= w.Cols {
			t.Errorf("frame %q is %d wide on a terminal of %d columns", line, n, w.Cols)
		}
		if strings.Contains(line, "\x1b") {
			t.Errorf("frame %q has an escape code other than erase-line", line)
		}
		if m := slotCells.FindStringSubmatch(line); m != nil {
			if cells, lit := utf8.RuneCountInString(m[1]), strings.Count(m[1], "█"); cells != w.Slots || lit > w.Slots {
				t.Errorf("frame %q: %d slot cells, %d lit; want %d cells", line, cells, lit, w.Slots)
			}
		}
		if m := inFlight.FindStringSubmatch(line); m != nil {
			held, _ := strconv.Atoi(m[1])
			if m[2] != strconv.Itoa(w.Slots) || held > w.Slots {
				t.Errorf("frame %q; want at most %d in flight of %d", line, w.Slots, w.Slots)
			}
		}
	}
	final := strings.ReplaceAll(frames[len(frames)-1], "\x1b[K", "")
	for name, n := range map[string]int{"ok": w.OK, "404": w.NotFound, "err": w.Errors} {
		shown := regexp.MustCompile(`(^|\s)` + name + ` ` + strconv.Itoa(n) + `(\s|$)`).MatchString(final)
		if n > 0 && !shown || n == 0 && strings.Contains(final, " "+name+" ") {
			t.Errorf("final line %q; want %s %d", final, name, n)
		}
	}
	if len(frames) < 2 {
		t.Errorf("only the final line was drawn; want live frames before it")
	}
}

func clip(s string) string {
	if len(s) > 300 {
		return s[:150] + " … " + s[len(s)-150:]
	}
	return s
}
