package trace

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"math"
	"path"
	"strconv"
	"time"

	"flagsuite/common/fetch"
	"flagsuite/common/report"
)

// Layout of the waterfall, in pixels.
const (
	svgWidth    = 1000.0
	labelWidth  = 44.0 // code names left of the rows
	rightMargin = 56.0 // room for the outcome marks and the -m label
	headHeight  = 54.0 // title and legend
	curveHeight = 90.0 // the in-flight curve
	axisHeight  = 22.0 // time labels between the curve and the rows
	rowsHeight  = 700.0
	maxRow      = 14.0
	minRow      = 1.0
)

// Colours of the phases and outcomes: what the legend lists.
var (
	colQueue   = "#c8cdd3"
	colBackoff = "#f2c94c"
	colDisk    = "#3aa757"
	colHTTP    = map[string]string{"ok": "#3b7dd8", "not_found": "#e8883a", "error": "#d6453d", "cancelled": "#8a8f96"}
	colResult  = map[report.Status]string{report.OK: "#3aa757", report.NotFound: "#e8883a",
		report.Error: "#d6453d", report.NotAttempted: "#c8cdd3", report.Cancelled: "#8a8f96"}
)

// WriteSVG draws the run as a self-contained SVG waterfall: one row per
// code (two for a code with two requests) in order of start, the phases
// as coloured segments — waiting for a slot, each HTTP attempt coloured by
// how it ended, backoffs, the write — and a mark of the code's outcome at
// the end of its row; above, the number of requests in flight over time
// against the -m line; a time axis and a legend. Every segment has a
// <title>, which a browser shows on hover. Rows shrink to a pixel for a
// run of 676 codes, and have their code written beside them when there is
// room.
func (r *Recorder) WriteSVG(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	rows := r.rows()
	per := r.perCode()
	nRows := max(len(rows)*per, 1)
	rowH := math.Max(minRow, math.Min(maxRow, rowsHeight/float64(nRows)))
	top := headHeight + curveHeight + axisHeight
	height := top + float64(nRows)*rowH + 10
	span := r.end.Sub(r.start)
	if span <= 0 {
		span = time.Millisecond
	}
	plotW := svgWidth - labelWidth - rightMargin
	x := func(t time.Time) float64 { return labelWidth + plotW*float64(t.Sub(r.start))/float64(span) }
	width := func(d time.Duration) float64 { return math.Max(0.6, plotW*float64(d)/float64(span)) }

	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="11">`+"\n",
		svgWidth, height, svgWidth, height)
	fmt.Fprintf(bw, `<rect width="100%%" height="100%%" fill="#ffffff"/>`+"\n")
	title := r.Title
	if title == "" {
		title = "flags run"
	}
	fmt.Fprintf(bw, `<text x="%.0f" y="16" font-size="13" font-weight="bold">%s — %d codes in %s</text>`+"\n",
		labelWidth, esc(title), len(rows), span.Round(time.Millisecond))
	legend(bw)

	// Grid and time axis.
	step := tickStep(span)
	for t := time.Duration(0); t <= span; t += step {
		tx := labelWidth + plotW*float64(t)/float64(span)
		fmt.Fprintf(bw, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.1f" stroke="#eceef1"/>`+"\n", tx, headHeight, tx, height-10)
		fmt.Fprintf(bw, `<text x="%.1f" y="%.0f" text-anchor="middle" fill="#555">%s</text>`+"\n",
			tx, headHeight+curveHeight+15, axisLabel(t, step))
	}
	r.curve(bw, x, plotW)

	// The rows.
	fmt.Fprintf(bw, `<g stroke="none">`+"\n")
	var buf, tip []byte
	for i, c := range rows {
		y0 := top + float64(i*per)*rowH
		if rowH >= 8 {
			fmt.Fprintf(bw, `<text x="%.0f" y="%.1f" text-anchor="end" font-size="%.0f" fill="#333">%s</text>`+"\n",
				labelWidth-4, y0+rowH*float64(per)/2+3.5, math.Min(11, rowH*float64(per)-1), esc(c.cc))
		}
		bar := func(y float64, t time.Time, d time.Duration, fill string, tip []byte) {
			// By hand rather than with fmt: a run has thousands of these.
			buf = append(buf[:0], `<rect x="`...)
			buf = strconv.AppendFloat(buf, x(t), 'f', 1, 64)
			buf = append(buf, `" y="`...)
			buf = strconv.AppendFloat(buf, y, 'f', 1, 64)
			buf = append(buf, `" width="`...)
			buf = strconv.AppendFloat(buf, width(d), 'f', 1, 64)
			buf = append(buf, `" height="`...)
			buf = strconv.AppendFloat(buf, math.Max(rowH-gap(rowH), 0.8), 'f', 1, 64)
			buf = append(buf, `" fill="`...)
			buf = append(buf, fill...)
			buf = append(buf, `"><title>`...)
			buf = appendEscaped(buf, string(tip))
			buf = append(buf, "</title></rect>\n"...)
			bw.Write(buf)
		}
		queueEnd := c.slot
		if queueEnd.IsZero() {
			queueEnd = c.done
		}
		if !queueEnd.IsZero() && queueEnd.After(c.queued) {
			tip = appendMS(append(append(tip[:0], c.cc...), " waiting for a slot: "...), queueEnd.Sub(c.queued))
			bar(y0, c.queued, queueEnd.Sub(c.queued), colQueue, tip)
		}
		for j, w := range c.firstWaits() {
			if !w.end.IsZero() {
				tip = appendMS(append(append(append(tip[:0], c.cc...), " "...), path.Base(c.reqs[j].url)+" waiting for a slot: "...), w.end.Sub(w.start))
				bar(y0+float64(j)*rowH, w.start, w.end.Sub(w.start), colQueue, tip)
			}
		}
		for j, q := range c.reqs {
			y := y0 + float64(j)*rowH
			for _, b := range q.backoffs {
				end := b.end
				if end.IsZero() {
					end = r.end
				}
				bar(y, b.start, end.Sub(b.start), colBackoff,
					[]byte(c.cc+" backoff before attempt "+strconv.Itoa(b.next)+" of "+path.Base(q.url)+": "+ms3(end.Sub(b.start))))
			}
			for _, w := range q.rewaits() {
				bar(y, w.start, w.end.Sub(w.start), colQueue,
					[]byte(c.cc+" waiting for a slot again, for attempt "+strconv.Itoa(w.next)+": "+ms3(w.end.Sub(w.start))))
			}
			for _, a := range q.attempts {
				tip = appendAttemptTip(tip[:0], c.cc, a)
				bar(y, a.Start, a.Latency, colHTTP[outcome(a)], tip)
			}
		}
		if !c.writeQ.IsZero() {
			end := c.writeD
			if end.IsZero() {
				end = r.end
			}
			tip = appendMS(append(append(append(tip[:0], c.cc...), " write "...), c.result.File+": "...), end.Sub(c.writeQ))
			if !c.writeS.IsZero() {
				tip = appendMS(append(tip, ", of which waiting for a writer "...), c.writeS.Sub(c.writeQ))
			}
			bar(y0, c.writeQ, end.Sub(c.writeQ), colDisk, tip)
		}
		if c.finished {
			res := c.result
			ex := x(c.done) + 3
			cy := y0 + rowH*float64(per)/2
			rad := math.Max(1, math.Min(4, rowH*float64(per)/2))
			buf = append(buf[:0], `<circle cx="`...)
			buf = strconv.AppendFloat(buf, ex, 'f', 1, 64)
			buf = append(buf, `" cy="`...)
			buf = strconv.AppendFloat(buf, cy, 'f', 1, 64)
			buf = append(buf, `" r="`...)
			buf = strconv.AppendFloat(buf, rad, 'f', 1, 64)
			buf = append(buf, `" fill="`...)
			buf = append(buf, colResult[res.Status]...)
			buf = append(buf, `"><title>`...)
			buf = appendEscaped(buf, resultTip(res))
			buf = append(buf, "</title></circle>\n"...)
			bw.Write(buf)
		}
	}
	fmt.Fprintf(bw, "</g>\n</svg>\n")
	return bw.Flush()
}

// gap leaves a line of white between rows that are tall enough for one.
func gap(rowH float64) float64 {
	if rowH >= 4 {
		return 2
	}
	return 0
}

// curve draws the requests in flight over time as a step line, with the -m
// line dashed above it, and the codes waiting for a slot in grey.
func (r *Recorder) curve(bw *bufio.Writer, x func(time.Time) float64, plotW float64) {
	peak, peakWaiting := r.Slots, 0
	for _, c := range r.counters {
		peak, peakWaiting = max(peak, c.inFlight), max(peakWaiting, c.waiting)
	}
	if peak == 0 {
		peak = 1
	}
	base := headHeight + curveHeight - 4
	yv := func(v, of int) float64 { return base - (curveHeight-14)*float64(v)/float64(max(of, 1)) }
	step := func(val func(counter) int, of int) string {
		d := fmt.Appendf(nil, "M%.1f %.1f", labelWidth, base)
		// One step per half pixel at most, the last value of each: a slot
		// given back and taken again at once is no dip worth drawing.
		for i, c := range r.counters {
			if i+1 < len(r.counters) && x(r.counters[i+1].at)-x(c.at) < 0.5 {
				continue
			}
			d = append(d, 'H')
			d = strconv.AppendFloat(d, x(c.at), 'f', 1, 64)
			d = append(d, 'V')
			d = strconv.AppendFloat(d, yv(val(c), of), 'f', 1, 64)
		}
		return string(fmt.Appendf(d, "H%.1f", labelWidth+plotW))
	}
	fmt.Fprintf(bw, `<text x="%.1f" y="%.1f" fill="#3b7dd8">in flight</text>`+"\n", labelWidth+plotW+4, base-16)
	if peakWaiting > 0 {
		fmt.Fprintf(bw, `<text x="%.1f" y="%.1f" fill="#80868d">waiting</text>`+"\n", labelWidth+plotW+4, base-3)
	}
	if peakWaiting > 0 {
		fmt.Fprintf(bw, `<path d="%s" fill="none" stroke="#a0a6ad" stroke-width="1"><title>codes waiting for a slot (peak %d)</title></path>`+"\n",
			step(func(c counter) int { return c.waiting }, peakWaiting), peakWaiting)
	}
	fmt.Fprintf(bw, `<path d="%s" fill="#3b7dd8" fill-opacity="0.15" stroke="#3b7dd8" stroke-width="1.2"><title>HTTP requests in flight</title></path>`+"\n",
		step(func(c counter) int { return c.inFlight }, peak))
	if r.Slots > 0 {
		my := yv(r.Slots, peak)
		fmt.Fprintf(bw, `<line x1="%.0f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#d6453d" stroke-dasharray="4 3"/>`+"\n",
			labelWidth, my, labelWidth+plotW, my)
		fmt.Fprintf(bw, `<text x="%.1f" y="%.1f" fill="#d6453d">-m %d</text>`+"\n", labelWidth+plotW+4, my+4, r.Slots)
	}
	fmt.Fprintf(bw, `<line x1="%.0f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#888"/>`+"\n", labelWidth, base, labelWidth+plotW, base)
}

// legend draws the key to the colours on the second line.
func legend(bw *bufio.Writer) {
	items := []struct{ fill, name string }{
		{colQueue, "waiting for a slot"}, {colHTTP["ok"], "HTTP 200"}, {colHTTP["not_found"], "HTTP 404"},
		{colHTTP["error"], "HTTP error"}, {colHTTP["cancelled"], "cancelled"}, {colBackoff, "backoff"},
		{colDisk, "write"},
	}
	lx := labelWidth
	for _, it := range items {
		fmt.Fprintf(bw, `<rect x="%.0f" y="26" width="12" height="10" fill="%s"/><text x="%.0f" y="35">%s</text>`+"\n",
			lx, it.fill, lx+15, esc(it.name))
		lx += 15 + 6.5*float64(len(it.name)) + 14
	}
	fmt.Fprintf(bw, `<circle cx="%.0f" cy="31" r="4" fill="%s"/><text x="%.0f" y="35">outcome: ok, 404, error, cancelled, not attempted</text>`+"\n",
		lx+4, colResult[report.OK], lx+12)
}

// appendAttemptTip appends the hover text of an attempt: "BR GET br.gif
// attempt 1: HTTP 200, 12.3 KB, 512.0 ms, new connection, first byte after
// 500.1 ms".
func appendAttemptTip(b []byte, cc string, a fetch.Attempt) []byte {
	b = append(b, cc...)
	b = append(b, " GET "...)
	b = append(b, path.Base(a.URL)...)
	b = append(b, " attempt "...)
	b = strconv.AppendInt(b, int64(a.N), 10)
	if a.Status > 0 {
		b = append(b, ": HTTP "...)
		b = strconv.AppendInt(b, int64(a.Status), 10)
	} else {
		b = append(b, ": no answer"...)
	}
	if a.Bytes > 0 {
		b = append(b, ", "...)
		b = strconv.AppendFloat(b, float64(a.Bytes)/1000, 'f', 1, 64)
		b = append(b, " KB"...)
	}
	b = appendMS(append(b, ", "...), a.Latency)
	switch {
	case a.NewConns > 0:
		b = append(b, ", new connection"...)
	case a.Reused:
		b = append(b, ", reused connection"...)
	}
	if a.TTFB > 0 {
		b = appendMS(append(b, ", first byte after "...), a.TTFB)
	}
	if a.Err != nil && a.Status == 0 {
		b = append(b, " ("...)
		b = append(b, fetch.Describe(a.Err)...)
		b = append(b, ')')
	}
	return b
}

func resultTip(r report.Result) string {
	s := r.CC + " " + r.Status.String()
	if r.HTTPStatus > 0 {
		s += ", HTTP " + strconv.Itoa(r.HTTPStatus)
	}
	if r.Attempts > 1 {
		s += ", " + strconv.Itoa(r.Attempts) + " attempts"
	}
	return s
}

// appendMS appends d as "512.3 ms".
func appendMS(b []byte, d time.Duration) []byte {
	b = strconv.AppendFloat(b, float64(d.Microseconds())/1000, 'f', 1, 64)
	return append(b, " ms"...)
}

func ms3(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) + " ms"
}

func esc(s string) string { return html.EscapeString(s) }

// appendEscaped appends s escaped for XML text.
func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		case '&':
			b = append(b, "&amp;"...)
		case '"':
			b = append(b, "&#34;"...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// tickStep is a round step (1, 2 or 5 times a power of ten) that puts
// five to ten ticks on the axis.
func tickStep(span time.Duration) time.Duration {
	step := time.Microsecond
	for span/step > 10 {
		switch {
		case span/(step*2) <= 10:
			return step * 2
		case span/(step*5) <= 10:
			return step * 5
		}
		step *= 10
	}
	return step
}

func axisLabel(t, step time.Duration) string {
	switch {
	case step >= 100*time.Millisecond:
		return fmt.Sprintf("%gs", t.Seconds())
	case step >= time.Millisecond:
		return fmt.Sprintf("%gms", float64(t.Milliseconds()))
	}
	return t.String()
}
