package bench

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"flagsuite/common/strategy"
)

// The plot's geometry, in SVG user units (pixels).
const (
	panelW, panelH = 400, 300 // the plotting area of one code set
	marginL        = 70       // room for the y tick labels and title
	marginT        = 78       // the title and the panel titles
	marginB        = 70       // the x tick labels, axis title and caption
	panelGap       = 56
	legendW        = 230
)

var serverColors = map[string]string{"LOCAL": "#1f77b4", "DELAY": "#e07b00", "ERROR": "#c62828"}

// Dash patterns by strategy; external commands take the rest in turn.
var (
	strategyDash = map[string]string{string(strategy.Loop): "", string(strategy.Pool): "9 4", string(strategy.Sequential): "2 4"}
	externalDash = []string{"12 3 3 3", "6 2", "1 2", "14 4 2 4 2 4"}
)

// line is one strategy against one server in one panel.
type line struct {
	strategy, server string
	rows             []Row
}

// WriteSVG draws res as time against concurrency, both on log scales: one
// panel per code set, in each one path per strategy and server. The point
// of a path is the median time of a cell, with a whisker from its fastest
// to its slowest run. A strategy that ignores -m (sequential; an external
// command without {m}) is drawn flat across the ladder. For DELAY, a thin
// grey line marks the ideal time ⌈N/m⌉·d. The standard library only: the
// file opens in any browser.
func WriteSVG(w io.Writer, res Result) error {
	rows := res.Rows
	var codeSets []string
	for _, r := range rows {
		if !slices.Contains(codeSets, r.Codes) {
			codeSets = append(codeSets, r.Codes)
		}
	}
	xs := axisFor(ladderOf(res), 1, 1000)
	var times []float64
	for _, r := range rows {
		times = append(times, r.MinS, r.MaxS, r.MedianS)
	}
	ys := axisFor(times, 0.01, 1)

	width := marginL + len(codeSets)*(panelW+panelGap) + legendW
	height := marginT + panelH + marginB
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="12">
<rect width="100%%" height="100%%" fill="white"/>
<text x="%d" y="22" font-size="15" font-weight="bold">%s</text>
<text x="%d" y="40" fill="#555">%s</text>
`, width, height, width, height, marginL, esc(fmt.Sprintf("flags2 bench: %s, time against concurrency", measuredName(res.Config))),
		marginL, esc(fmt.Sprintf("%s · median of %s · lower is better", serversLine(res.Config), repsLine(res.Config))))

	var strategies []string
	for i, codes := range codeSets {
		x0 := float64(marginL + i*(panelW+panelGap))
		p := panel{id: i, x0: x0, y0: marginT, xs: xs, ys: ys}
		var lines []*line
		for _, r := range rows {
			if r.Codes != codes {
				continue
			}
			if !slices.Contains(strategies, r.Strategy) {
				strategies = append(strategies, r.Strategy)
			}
			j := slices.IndexFunc(lines, func(l *line) bool { return l.strategy == r.Strategy && l.server == r.Server })
			if j < 0 {
				lines = append(lines, &line{strategy: r.Strategy, server: r.Server})
				j = len(lines) - 1
			}
			lines[j].rows = append(lines[j].rows, r)
		}
		n := len(codeSet(codes, res.Config.Limit))
		p.frame(b, fmt.Sprintf("%s · %d codes", codes, n))
		fmt.Fprintf(b, "<g clip-path=\"url(#clip%d)\">\n", i)
		if slices.Contains(res.Config.Servers, "DELAY") {
			p.ideal(b, n*perCode(rows, codes), res.Config.Delay.Seconds())
		}
		for _, l := range lines {
			p.draw(b, l, dashOf(l.strategy, res.Config))
		}
		b.WriteString("</g>\n")
	}
	legend(b, float64(marginL+len(codeSets)*(panelW+panelGap)), res.Config, strategies)
	fmt.Fprintf(b, `<text x="%d" y="%d" fill="#555" font-size="11">%s</text>
`, marginL, height-12, esc("time: the client's own elapsed_s (process start-up left out) · whiskers: fastest to slowest rep · both axes log"))
	b.WriteString("</svg>\n")
	return b.Flush()
}

// axis maps values on a log scale onto [0, 1].
type axis struct{ lo, hi float64 }

// axisFor spans vs (positive values only) to whole decades; lo and hi are
// used when there is nothing to span.
func axisFor(vs []float64, lo, hi float64) axis {
	var pos []float64
	for _, v := range vs {
		if v > 0 {
			pos = append(pos, v)
		}
	}
	if len(pos) > 0 {
		lo = math.Pow(10, math.Floor(math.Log10(slices.Min(pos))))
		hi = math.Pow(10, math.Ceil(math.Log10(slices.Max(pos))))
	}
	if hi <= lo {
		hi = lo * 10
	}
	return axis{lo, hi}
}

// at places v on the axis; values outside it fall outside [0, 1], where
// the panel's clip path cuts them off.
func (a axis) at(v float64) float64 {
	v = max(v, 1e-9)
	return (math.Log10(v) - math.Log10(a.lo)) / (math.Log10(a.hi) - math.Log10(a.lo))
}

// ticks are the decades of the axis, with 2 and 5 between them when the
// axis spans few decades.
func (a axis) ticks() (major, minor []float64) {
	decades := int(math.Round(math.Log10(a.hi / a.lo)))
	for d := a.lo; d <= a.hi*1.0001; d *= 10 {
		major = append(major, d)
		if decades <= 3 && d*10 <= a.hi*1.0001 {
			minor = append(minor, 2*d, 5*d)
		}
	}
	return major, minor
}

// ladderOf is the rungs measured, for the x axis.
func ladderOf(res Result) []float64 {
	var ms []float64
	for _, m := range res.Config.Ladder {
		ms = append(ms, float64(m))
	}
	for _, r := range res.Rows {
		ms = append(ms, float64(max(r.Concurrency, 1)))
	}
	return ms
}

// panel is the plotting area of one code set.
type panel struct {
	id     int
	x0, y0 float64
	xs, ys axis
}

func (p panel) x(m float64) float64 { return p.x0 + p.xs.at(m)*panelW }
func (p panel) y(s float64) float64 { return p.y0 + (1-p.ys.at(s))*panelH }

// frame draws the grid, the ticks and the titles.
func (p panel) frame(b *bufio.Writer, title string) {
	// The lines stay inside the frame, with room for a marker on its edge.
	fmt.Fprintf(b, "<clipPath id=\"clip%d\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\"/></clipPath>\n",
		p.id, p.x0-4, p.y0-4, panelW+8, panelH+8)
	fmt.Fprintf(b, "<g class=\"panel\">\n<text x=\"%.1f\" y=\"%.1f\" font-weight=\"bold\">%s</text>\n", p.x0, p.y0-8, esc(title))
	major, minor := p.xs.ticks()
	for _, m := range minor {
		fmt.Fprintf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#f0f0f0\"/>\n", p.x(m), p.y0, p.x(m), p.y0+panelH)
	}
	for _, m := range major {
		fmt.Fprintf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", p.x(m), p.y0, p.x(m), p.y0+panelH)
		fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", p.x(m), p.y0+panelH+16, label(m))
	}
	major, minor = p.ys.ticks()
	for _, s := range minor {
		fmt.Fprintf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#f0f0f0\"/>\n", p.x0, p.y(s), p.x0+panelW, p.y(s))
		fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#999\" font-size=\"10\">%s</text>\n", p.x0-6, p.y(s)+3, label(s))
	}
	for _, s := range major {
		fmt.Fprintf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", p.x0, p.y(s), p.x0+panelW, p.y(s))
		fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", p.x0-6, p.y(s)+4, label(s))
	}
	fmt.Fprintf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#333\"/>\n", p.x0, p.y0, panelW, panelH)
	fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">concurrency -m (log)</text>\n", p.x0+panelW/2, p.y0+panelH+34)
	if p.id == 0 { // the panels share the y axis
		fmt.Fprintf(b, "<text transform=\"translate(%.1f %.1f) rotate(-90)\" text-anchor=\"middle\">median time, s (log)</text>\n",
			p.x0-48, p.y0+panelH/2)
	}
	b.WriteString("</g>\n")
}

// ideal draws DELAY's ideal time ⌈n/m⌉·d for n requests at every m of the axis.
func (p panel) ideal(b *bufio.Writer, n int, d float64) {
	var pts []string
	for m := p.xs.lo; m <= p.xs.hi; m *= math.Pow(10, 0.02) {
		s := math.Ceil(float64(n)/min(m, float64(n))) * d
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", p.x(m), p.y(s)))
	}
	fmt.Fprintf(b, "<polyline class=\"ideal\" points=\"%s\" fill=\"none\" stroke=\"#aaa\" stroke-width=\"1\"><title>DELAY ideal ⌈R/m⌉·d, R requests</title></polyline>\n",
		strings.Join(pts, " "))
}

// draw draws one line as a single path, with a marker and a whisker per
// point.
func (p panel) draw(b *bufio.Writer, l *line, dash string) {
	color := colorOf(l.server)
	rows := slices.Clone(l.rows)
	slices.SortFunc(rows, func(a, b Row) int { return a.Concurrency - b.Concurrency })
	var d strings.Builder
	flat := len(rows) == 1 && (strategy.Name(rows[0].Strategy).IgnoresM() || rows[0].Concurrency == 0)
	if flat { // the same time at every rung
		y := p.y(rows[0].MedianS)
		fmt.Fprintf(&d, "M%.1f %.1f H%.1f", p.x0, y, p.x0+panelW)
	} else {
		for i, r := range rows {
			cmd := "L"
			if i == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&d, "%s%.1f %.1f ", cmd, p.x(float64(r.Concurrency)), p.y(r.MedianS))
		}
	}
	dashAttr := ""
	if dash != "" {
		dashAttr = fmt.Sprintf(" stroke-dasharray=\"%s\"", dash)
	}
	fmt.Fprintf(b, "<path class=\"line\" data-codes=\"%s\" data-strategy=\"%s\" data-server=\"%s\" d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s/>\n",
		esc(rows[0].Codes), esc(l.strategy), esc(l.server), strings.TrimSpace(d.String()), color, dashAttr)
	for _, r := range rows {
		x := p.x(float64(max(r.Concurrency, 1)))
		fmt.Fprintf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1\"/>\n",
			x, p.y(r.MinS), x, p.y(r.MaxS), color)
		tip := fmt.Sprintf("%s %s %s m=%s: median %.3fs (%.3f–%.3f, %d reps), %.0f req/s, peak %d in flight",
			r.Strategy, r.Server, r.Codes, rung(r.Concurrency), r.MedianS, r.MinS, r.MaxS, r.Reps, r.ReqPerS, r.PeakInFlight)
		if r.Efficiency != nil {
			tip += fmt.Sprintf(", efficiency %.2f", *r.Efficiency)
		}
		if notes := rowNotes(r); len(notes) > 0 {
			tip += " · " + strings.Join(notes, ", ")
		}
		y := p.y(r.MedianS)
		fill := color
		if r.Noisy || r.Extrapolated { // a hollow point: not a number to read as is
			fill = "white"
		}
		fmt.Fprintf(b, "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\" stroke=\"%s\" stroke-width=\"1.5\"><title>%s</title></circle>\n",
			pointClass(r), x, y, fill, color, esc(tip))
		if mark := pointMark(r); mark != "" {
			fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"%s\">%s</text>\n", x+6, y-5, color, esc(mark))
		}
	}
}

// pointClass names what is special about a point, for readers of the SVG
// (and its tests): "point", or "point noisy", "point extrapolated", "point exit".
func pointClass(r Row) string {
	c := "point"
	if r.Noisy {
		c += " noisy"
	}
	if r.Extrapolated {
		c += " extrapolated"
	}
	if r.ExitStatus != 0 {
		c += " exit"
	}
	return c
}

// pointMark is the short label beside a point that is not a plain result.
func pointMark(r Row) string {
	var marks []string
	if r.Extrapolated {
		marks = append(marks, fmt.Sprintf("~ from %d codes", r.MeasuredOn))
	}
	// A noisy point is only hollow: noisy cells are many on a busy machine,
	// and their labels would cover the lines.
	if r.ExitStatus != 0 {
		marks = append(marks, fmt.Sprintf("exit %d", r.ExitStatus))
	}
	return strings.Join(marks, ", ")
}

// perCode is the requests per code the client made on DELAY in a code set
// (2 for flags3), so that the ideal line counts its requests.
func perCode(rows []Row, codes string) int {
	n := 1
	for _, r := range rows {
		if r.Codes == codes && r.Server == "DELAY" && r.Concurrency > 0 && r.Strategy != "external" {
			n = max(n, int(math.Round(r.PerCode)))
		}
	}
	return n
}

// measuredName names what the plot shows: the client, and any external commands.
func measuredName(cfg Config) string {
	name := ClientName(cfg.Client)
	if len(cfg.External) > 0 {
		name += fmt.Sprintf(" and %d external command%s", len(cfg.External), plural(len(cfg.External)))
	}
	return name
}

// legend explains colours (servers) and dashes (strategies).
func legend(b *bufio.Writer, x float64, cfg Config, strategies []string) {
	y := float64(marginT)
	fmt.Fprintf(b, "<g class=\"legend\">\n<text x=\"%.1f\" y=\"%.1f\" font-weight=\"bold\">server</text>\n", x, y+4)
	for _, s := range cfg.Servers {
		y += 18
		fmt.Fprintf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"3\"/>\n", x, y, x+30, y, colorOf(s))
		fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", x+38, y+4, esc(s))
	}
	y += 30
	fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\" font-weight=\"bold\">strategy</text>\n", x, y+4)
	for _, s := range strategies {
		y += 18
		dash := dashOf(s, cfg)
		if dash != "" {
			dash = fmt.Sprintf(" stroke-dasharray=\"%s\"", dash)
		}
		name := s
		if strategy.Name(s).IgnoresM() {
			name += " (ignores -m)"
		}
		fmt.Fprintf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\" stroke-width=\"2\"%s/>\n", x, y, x+30, y, dash)
		fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", x+38, y+4, esc(name))
	}
	if slices.Contains(cfg.Servers, "DELAY") {
		y += 30
		fmt.Fprintf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#aaa\"/>\n", x, y, x+30, y)
		fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", x+38, y+4, esc("DELAY ideal ⌈R/m⌉·d"))
	}
	y += 30
	fmt.Fprintf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"white\" stroke=\"#333\" stroke-width=\"1.5\"/>\n", x+15, y)
	fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", x+38, y+4, esc(fmt.Sprintf("noisy (spread > %.0f%%)", 100*cfg.Noise)))
	fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#555\">%s</text>\n", x+38, y+18, esc("or ~ scaled from a subset"))
	b.WriteString("</g>\n")
}

func colorOf(server string) string {
	if c, ok := serverColors[server]; ok {
		return c
	}
	return "#555"
}

func dashOf(strategy string, cfg Config) string {
	if d, ok := strategyDash[strategy]; ok {
		return d
	}
	for i := range cfg.External {
		if externalLabel(i, len(cfg.External)) == strategy {
			return externalDash[i%len(externalDash)]
		}
	}
	return ""
}

// label writes a tick value without trailing zeros: 0.01, 0.2, 1, 1000.
func label(v float64) string { return fmt.Sprint(round(v, 3)) }

func esc(s string) string {
	var sb strings.Builder
	xml.EscapeText(&sb, []byte(s))
	return sb.String()
}
