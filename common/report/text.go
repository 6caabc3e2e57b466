package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"flagsuite/common/servers"
)

// Header prints the book's initial report:
//
//	ERROR site: http://localhost:8002/flags
//	Searching for 100 flags: from AD to LK
//	100 concurrent connections will be used.
func Header(w io.Writer, server servers.Server, codes []string, concurrency int) {
	var which string
	switch {
	case len(codes) <= 10:
		which = strings.Join(codes, ", ")
	default:
		which = fmt.Sprintf("from %s to %s", codes[0], codes[len(codes)-1])
	}
	fmt.Fprintf(w, "%s site: %s\n", server.Label, server.BaseURL)
	fmt.Fprintf(w, "Searching for %d flag%s: %s\n", len(codes), plural(len(codes)), which)
	if concurrency == 1 {
		fmt.Fprintln(w, "1 connection will be used.")
	} else {
		fmt.Fprintf(w, "%d concurrent connections will be used.\n", concurrency)
	}
}

// Summary is everything the final report shows.
type Summary struct {
	Strategy    string
	Server      servers.Server
	Concurrency int
	Requested   int
	Elapsed     time.Duration
	Interrupted bool
	ConnsOpened int64
	ConnsReused int64
	Tally       *Tally
}

// Final prints the book's final report, then the suite's additions:
//
//	--------------------
//	 73 flags downloaded.
//	 27 errors.
//	Elapsed time: 0.64s
//	interrupted: 20 cancelled in flight, 164 not started.
//	2.3 MB received, 3.6 MB/s; latency p50 12ms, p90 30ms, p99 45ms.
//	20 connections opened, 80 reused.
func Final(w io.Writer, s Summary) {
	t := s.Tally
	fmt.Fprintln(w, strings.Repeat("-", 20))
	ok := t.Count(OK)
	fmt.Fprintf(w, "%3d flag%s downloaded.\n", ok, plural(ok))
	if n := t.Count(NotFound); n > 0 {
		fmt.Fprintf(w, "%3d not found.\n", n)
	}
	if n := t.Count(Error); n > 0 {
		fmt.Fprintf(w, "%3d error%s.\n", n, plural(n))
	}
	fmt.Fprintf(w, "Elapsed time: %.2fs\n", s.Elapsed.Seconds())
	if s.Interrupted || t.Count(NotAttempted) > 0 || t.Count(Cancelled) > 0 {
		fmt.Fprintf(w, "interrupted: %d cancelled in flight, %d not started.\n", t.Count(Cancelled), t.Count(NotAttempted))
	}
	fmt.Fprintf(w, "%s received, %s/s; latency p50 %s, p90 %s, p99 %s.\n",
		Bytes(t.Bytes()), Bytes(rate(t.Bytes(), s.Elapsed)),
		ms(t.Percentile(0.5)), ms(t.Percentile(0.9)), ms(t.Percentile(0.99)))
	fmt.Fprintf(w, "%d connection%s opened, %d reused.\n", s.ConnsOpened, plural(int(s.ConnsOpened)), s.ConnsReused)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func rate(n int64, d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64(float64(n) / d.Seconds())
}

// Bytes formats a byte count in decimal units: "950 B", "12.1 kB", "2.3 MB".
func Bytes(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	case n < 1000*1000*1000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.1f GB", float64(n)/1e9)
}

// ms formats a latency with a precision that suits its size.
func ms(d time.Duration) string {
	switch {
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	case d < 10*time.Second:
		return fmt.Sprintf("%dms", d.Round(time.Millisecond).Milliseconds())
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}
