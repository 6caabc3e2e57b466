package trace

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strconv"
	"time"
)

// The process all tracks belong to, and the track of the counters.
const (
	pid        = 1
	counterTID = 0
)

// WriteJSON writes the run as a Chrome Trace Event JSON object,
// {"traceEvents": [...]}, times in microseconds from the start of the run:
//
//   - "X" (complete) events for every phase of every code, each with
//     args.cc: cat "queue" (waiting for a slot: the first, or again after
//     a backoff), "http" (one attempt,
//     from taking the slot to the last body byte, with args url, status (0:
//     no answer), bytes, attempt, conn ("new", "reused" or "none"), outcome
//     (ok, not_found, error, cancelled) and ttfb_ms when an answer came),
//     "backoff" (the wait before a retry) and "disk" (waiting for a writer
//     and writing, with args wait_ms and write_ms);
//   - an "i" (instant) event, cat "result", at each code's end, named and
//     with args.status as in the JSON report;
//   - "C" (counter) events for "in flight", "waiting" and "writes queued";
//   - "M" (metadata) events naming the process and the tracks and sorting
//     the tracks in order of start (chrome://tracing follows the sort index;
//     Perfetto places tracks by its own rules, so each track's name starts
//     with its place: "001 ZZ").
func (r *Recorder) WriteJSON(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	e := &encoder{w: bw, start: r.start}
	bw.WriteString(`{"displayTimeUnit":"ms","traceEvents":[`)

	title := r.Title
	if title == "" {
		title = "flags run"
	}
	e.meta("process_name", counterTID, title)
	e.meta("thread_name", counterTID, "concurrency")
	e.sortIndex(counterTID, 0)
	per := r.perCode()
	for i, c := range r.rows() {
		base := 1 + i*per
		for j := range max(len(c.reqs), 1) {
			// The place in the order of start leads the name: Perfetto
			// orders tracks by its own rules, not by thread_sort_index.
			name := fmt.Sprintf("%03d %s", i+1, c.cc)
			if per > 1 && j < len(c.reqs) {
				name += " " + path.Base(c.reqs[j].url)
			}
			e.meta("thread_name", base+j, name)
			e.sortIndex(base+j, base+j)
		}
		r.codeEvents(e, c, base)
	}
	// Each counter when it changes: a counter track holds its value until
	// the next event.
	for i, c := range r.counters {
		first := i == 0
		var prev counter
		if !first {
			prev = r.counters[i-1]
		}
		if first || c.inFlight != prev.inFlight {
			e.counter("in flight", c.at, c.inFlight)
		}
		if first || c.waiting != prev.waiting {
			e.counter("waiting", c.at, c.waiting)
		}
		if first || c.writes != prev.writes {
			e.counter("writes queued", c.at, c.writes)
		}
	}
	bw.WriteString("]}\n")
	if e.err != nil {
		return e.err
	}
	return bw.Flush()
}

// codeEvents writes the phases of one code on its tracks, from tid base.
func (r *Recorder) codeEvents(e *encoder, c *code, base int) {
	queueEnd := c.slot
	if queueEnd.IsZero() {
		queueEnd = c.done
	}
	if !queueEnd.IsZero() {
		e.complete("waiting for a slot", "queue", base, c.queued, queueEnd.Sub(c.queued), c.cc, nil)
	}
	for j, w := range c.firstWaits() {
		if !w.end.IsZero() {
			e.complete("waiting for a slot", "queue", base+j, w.start, w.end.Sub(w.start), c.cc, []arg{
				str("url", c.reqs[j].url),
			})
		}
	}
	for j, q := range c.reqs {
		for _, b := range q.backoffs {
			end := b.end
			if end.IsZero() {
				end = r.end
			}
			e.complete("backoff", "backoff", base+j, b.start, end.Sub(b.start), c.cc, []arg{
				str("url", q.url), num("next_attempt", b.next), flt("wait_ms", ms(b.wait)),
			})
		}
		for _, w := range q.rewaits() {
			e.complete("waiting for a slot", "queue", base+j, w.start, w.end.Sub(w.start), c.cc, []arg{
				str("url", q.url), num("next_attempt", w.next),
			})
		}
		for _, a := range q.attempts {
			conn := "none"
			switch {
			case a.NewConns > 0:
				conn = "new"
			case a.Reused:
				conn = "reused"
			}
			args := []arg{str("url", a.URL), num("status", a.Status), num("bytes", a.Bytes), num("attempt", a.N),
				str("conn", conn), str("outcome", outcome(a)), {}, {}}[:6]
			if a.TTFB > 0 {
				args = append(args, flt("ttfb_ms", ms(a.TTFB)))
			}
			if a.Err != nil && a.Status == 0 { // an HTTP error is its status
				args = append(args, str("error", a.Err.Error()))
			}
			e.complete("GET "+path.Base(a.URL), "http", base+j, a.Start, a.Latency, c.cc, args)
		}
	}
	if !c.writeQ.IsZero() {
		end := c.writeD
		if end.IsZero() {
			end = r.end
		}
		args := []arg{str("file", c.result.File), {}, {}}[:1]
		if !c.writeS.IsZero() { // the wait for a writer, then the writing
			args = append(args, flt("wait_ms", ms(c.writeS.Sub(c.writeQ))), flt("write_ms", ms(end.Sub(c.writeS))))
		}
		if c.writeErr != nil {
			args = append(args, str("error", c.writeErr.Error()))
		}
		e.complete("write", "disk", base, c.writeQ, end.Sub(c.writeQ), c.cc, args)
	}
	if c.finished {
		res := c.result
		e.instant(res.Status.String(), "result", base, c.done, c.cc, []arg{
			str("status", res.Status.String()), num("http_status", res.HTTPStatus), num("attempts", res.Attempts),
			flt("latency_ms", ms(res.Latency)), num("bytes", res.Bytes),
		})
	}
}

// arg is one entry of an event's args: a string, a whole number or a
// float, without the boxing of an interface value.
type arg struct {
	key  string
	kind byte // 's', 'n' or 'f'
	s    string
	n    int64
	f    float64
}

func str(k, v string) arg                  { return arg{key: k, kind: 's', s: v} }
func num[T int | int64](k string, v T) arg { return arg{key: k, kind: 'n', n: int64(v)} }
func flt(k string, v float64) arg          { return arg{key: k, kind: 'f', f: v} }

// encoder appends events to the array, the first without a comma.
type encoder struct {
	w     *bufio.Writer
	start time.Time
	n     int
	buf   []byte
	err   error
}

func (e *encoder) begin(ph, name, cat string, tid int) {
	e.buf = e.buf[:0]
	if e.n > 0 {
		e.buf = append(e.buf, ",\n"...)
	}
	e.n++
	e.buf = append(e.buf, `{"ph":"`...)
	e.buf = append(e.buf, ph...)
	e.buf = append(e.buf, `","name":`...)
	e.buf = appendString(e.buf, name)
	if cat != "" {
		e.buf = append(e.buf, `,"cat":"`...)
		e.buf = append(e.buf, cat...)
		e.buf = append(e.buf, '"')
	}
	e.buf = append(e.buf, `,"pid":`...)
	e.buf = strconv.AppendInt(e.buf, pid, 10)
	e.buf = append(e.buf, `,"tid":`...)
	e.buf = strconv.AppendInt(e.buf, int64(tid), 10)
}

func (e *encoder) end() {
	e.buf = append(e.buf, '}')
	if _, err := e.w.Write(e.buf); err != nil && e.err == nil {
		e.err = err
	}
}

// micros is t as microseconds from the start, to the nanosecond: a slot
// given back and taken again at once must not seem to overlap.
func (e *encoder) micros(field string, d time.Duration) {
	e.buf = append(e.buf, `,"`...)
	e.buf = append(e.buf, field...)
	e.buf = append(e.buf, `":`...)
	ns := d.Nanoseconds()
	if ns < 0 {
		e.buf = append(e.buf, '-')
		ns = -ns
	}
	e.buf = strconv.AppendInt(e.buf, ns/1000, 10)
	frac := ns % 1000
	e.buf = append(e.buf, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
}

func (e *encoder) args(cc string, args []arg) {
	e.buf = append(e.buf, `,"args":{`...)
	first := true
	if cc != "" {
		e.buf = append(e.buf, `"cc":`...)
		e.buf = appendString(e.buf, cc)
		first = false
	}
	for _, a := range args {
		if !first {
			e.buf = append(e.buf, ',')
		}
		first = false
		e.buf = appendString(e.buf, a.key)
		e.buf = append(e.buf, ':')
		switch a.kind {
		case 's':
			e.buf = appendString(e.buf, a.s)
		case 'n':
			e.buf = strconv.AppendInt(e.buf, a.n, 10)
		default:
			e.buf = strconv.AppendFloat(e.buf, a.f, 'f', -1, 64)
		}
	}
	e.buf = append(e.buf, '}')
}

func (e *encoder) complete(name, cat string, tid int, at time.Time, dur time.Duration, cc string, args []arg) {
	e.begin("X", name, cat, tid)
	e.micros("ts", at.Sub(e.start))
	e.micros("dur", max(dur, 0))
	e.args(cc, args)
	e.end()
}

func (e *encoder) instant(name, cat string, tid int, at time.Time, cc string, args []arg) {
	e.begin("i", name, cat, tid)
	e.buf = append(e.buf, `,"s":"t"`...)
	e.micros("ts", at.Sub(e.start))
	e.args(cc, args)
	e.end()
}

func (e *encoder) counter(name string, at time.Time, v int) {
	e.begin("C", name, "", counterTID)
	e.micros("ts", at.Sub(e.start))
	e.args("", []arg{num(name, v)})
	e.end()
}

func (e *encoder) meta(kind string, tid int, name string) {
	e.begin("M", kind, "", tid)
	e.buf = append(e.buf, `,"ts":0`...)
	e.args("", []arg{str("name", name)})
	e.end()
}

func (e *encoder) sortIndex(tid, index int) {
	e.begin("M", "thread_sort_index", "", tid)
	e.buf = append(e.buf, `,"ts":0`...)
	e.args("", []arg{num("sort_index", index)})
	e.end()
}

// appendString appends s as a JSON string. Codes, URLs and names are
// plain ASCII, which needs no escaping; anything else goes through
// encoding/json.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// ms is d in milliseconds, to the microsecond.
func ms(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1e3
}
