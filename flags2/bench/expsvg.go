package bench

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// expGap leaves room between panels for each one's own y axis title.
const expGap = 96

// retryColors tell retry budgets (and delay ranges) apart.
var retryColors = []string{"#c62828", "#e07b00", "#2e7d32", "#1f77b4", "#6a1b9a", "#555"}

// series is one line of an experiment plot: points in order of x.
type series struct {
	name   string
	color  string
	dash   string
	points []xy
}

type xy struct {
	x, y float64
	tip  string
}

// linPanel is a plotting area with linear axes from 0.
type linPanel struct {
	x0, y0       float64
	xmax, ymax   float64
	title, xname string
	yname        string
	xfmt, yfmt   func(float64) string
}

func (p linPanel) x(v float64) float64 { return p.x0 + v/p.xmax*panelW }
func (p linPanel) y(v float64) float64 { return p.y0 + (1-v/p.ymax)*panelH }

func (p linPanel) draw(b *bufio.Writer, lines []series) {
	fmt.Fprintf(b, "<g class=\"panel\">\n<text x=\"%.1f\" y=\"%.1f\" font-weight=\"bold\">%s</text>\n", p.x0, p.y0-8, esc(p.title))
	for i := 0; i <= 5; i++ {
		xv, yv := p.xmax*float64(i)/5, p.ymax*float64(i)/5
		fmt.Fprintf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>\n", p.x(xv), p.y0, p.x(xv), p.y0+panelH)
		fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", p.x(xv), p.y0+panelH+16, p.xfmt(xv))
		fmt.Fprintf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>\n", p.x0, p.y(yv), p.x0+panelW, p.y(yv))
		fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", p.x0-6, p.y(yv)+4, p.yfmt(yv))
	}
	fmt.Fprintf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#333\"/>\n", p.x0, p.y0, panelW, panelH)
	fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", p.x0+panelW/2, p.y0+panelH+34, esc(p.xname))
	fmt.Fprintf(b, "<text transform=\"translate(%.1f %.1f) rotate(-90)\" text-anchor=\"middle\">%s</text>\n", p.x0-48, p.y0+panelH/2, esc(p.yname))
	for _, l := range lines {
		var d strings.Builder
		for i, pt := range l.points {
			cmd := "L"
			if i == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&d, "%s%.1f %.1f ", cmd, p.x(pt.x), p.y(pt.y))
		}
		dash, width := "", 2.0
		if l.dash != "" {
			dash, width = fmt.Sprintf(" stroke-dasharray=\"%s\"", l.dash), 1
		}
		fmt.Fprintf(b, "<path class=\"line\" data-name=\"%s\" d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%g\"%s/>\n",
			esc(l.name), strings.TrimSpace(d.String()), l.color, width, dash)
		if l.dash != "" {
			continue
		}
		for _, pt := range l.points {
			fmt.Fprintf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"><title>%s</title></circle>\n",
				p.x(pt.x), p.y(pt.y), l.color, esc(pt.tip))
		}
	}
	b.WriteString("</g>\n")
}

// WriteFaultsSVG draws the experiments that have a shape to show: for
// error rate × retries, the codes downloaded against the error rate, one
// line per retry budget with theory's dashed beside it, and next to it the
// time that cost; for timeouts, the codes downloaded against the timeout,
// one line per delay range. The chaos experiment has no axis to plot; its
// table says it all.
func WriteFaultsSVG(w io.Writer, res ExpResult) error {
	var errs, touts []ExpRow
	for _, r := range res.Rows {
		switch r.Experiment {
		case expErrors:
			errs = append(errs, r)
		case expTimeouts:
			touts = append(touts, r)
		}
	}
	panels := 0
	if len(errs) > 0 {
		panels += 2
	}
	if len(touts) > 0 {
		panels++
	}
	width := marginL + panels*(panelW+expGap) + legendW
	height := marginT + panelH + marginB
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="12">
<rect width="100%%" height="100%%" fill="white"/>
<text x="%d" y="22" font-size="15" font-weight="bold">%s</text>
<text x="%d" y="40" fill="#555">%s</text>
`, width, height, width, height, marginL, esc(fmt.Sprintf("flags2 bench --faults: %s against failing servers", ClientName(res.Config.Client))),
		marginL, esc(fmt.Sprintf("seed %d · each point one client process (median of %d rep%s) · dashed: theory", res.Config.Seed, res.Config.Reps, plural(res.Config.Reps))))

	x0 := float64(marginL)
	var legend []series
	pct := func(v float64) string { return fmt.Sprintf("%.0f%%", v) }
	if len(errs) > 0 {
		okLines, timeLines := errorSeries(errs)
		xmax := 0.0
		tmax := 0.0
		for _, r := range errs {
			xmax = max(xmax, *r.ErrorRate)
			tmax = max(tmax, r.MaxS)
		}
		xmax = niceCeil(xmax)
		rate := func(v float64) string { return fmt.Sprintf("%.2g", v) }
		linPanel{x0: x0, y0: marginT, xmax: xmax, ymax: 100, title: "codes downloaded", xname: "error rate (share of GETs answered 418)",
			yname: "ok, % of the codes that exist", xfmt: rate, yfmt: pct}.draw(b, okLines)
		x0 += panelW + expGap
		linPanel{x0: x0, y0: marginT, xmax: xmax, ymax: niceCeil(tmax), title: "what it cost", xname: "error rate",
			yname: "median time, s", xfmt: rate, yfmt: func(v float64) string { return fmt.Sprintf("%.2g", v) }}.draw(b, timeLines)
		x0 += panelW + expGap
		for _, l := range okLines {
			if l.dash == "" {
				legend = append(legend, l)
			}
		}
	}
	if len(touts) > 0 {
		lines := timeoutSeries(touts)
		tmax := 0.0
		for _, r := range touts {
			tmax = max(tmax, r.TimeoutS)
		}
		linPanel{x0: x0, y0: marginT, xmax: niceCeil(tmax), ymax: 100, title: "timeouts against a slow server",
			xname: "client --timeout, s", yname: "ok, % of the codes that exist", xfmt: func(v float64) string { return fmt.Sprintf("%.2g", v) },
			yfmt: pct}.draw(b, lines)
		x0 += panelW + expGap
		for _, l := range lines {
			if l.dash == "" {
				legend = append(legend, l)
			}
		}
	}
	y := float64(marginT)
	fmt.Fprintf(b, "<g class=\"legend\">\n")
	for _, l := range legend {
		fmt.Fprintf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"3\"/>\n", x0, y, x0+30, y, l.color)
		fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", x0+38, y+4, esc(l.name))
		y += 18
	}
	fmt.Fprintf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\" stroke-dasharray=\"4 3\"/>\n", x0, y, x0+30, y)
	fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\">theory</text>\n</g>\n", x0+38, y+4)
	fmt.Fprintf(b, "<text x=\"%d\" y=\"%d\" fill=\"#555\" font-size=\"11\">%s</text>\n", marginL, height-12,
		esc("ok %: codes downloaded / codes the data set has · theory: 1 - rate^(retries+1); timeouts: share of the delay range under the timeout"))
	b.WriteString("</svg>\n")
	return b.Flush()
}

// groupName tells lines apart when the experiment ran more than one
// strategy, rung or code set.
func groupName(r ExpRow, many bool) string {
	if !many {
		return ""
	}
	return fmt.Sprintf(" · %s m=%d %s", r.Strategy, r.Concurrency, r.Codes)
}

func manyGroups(rows []ExpRow) bool {
	var first string
	for _, r := range rows {
		g := fmt.Sprint(r.Strategy, r.Concurrency, r.Codes)
		if first == "" {
			first = g
		} else if g != first {
			return true
		}
	}
	return false
}

// errorSeries are the lines of the error-rate panels: for each retry
// budget, ok % and its theory, and the median time.
func errorSeries(rows []ExpRow) (ok, cost []series) {
	many := manyGroups(rows)
	var keys []string
	byKey := map[string][]ExpRow{}
	for _, r := range rows {
		k := fmt.Sprintf("retries %d%s", r.Retries, groupName(r, many))
		if byKey[k] == nil {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], r)
	}
	for i, k := range keys {
		rs := byKey[k]
		slices.SortFunc(rs, func(a, b ExpRow) int { return compareFloat(*a.ErrorRate, *b.ErrorRate) })
		color := retryColors[i%len(retryColors)]
		got := series{name: k, color: color}
		theory := series{name: k + " theory", color: color, dash: "4 3"}
		spent := series{name: k, color: color}
		for _, r := range rs {
			tip := fmt.Sprintf("rate %.2g, %s: %.1f%% ok (theory %.1f%%), %.2f requests per code, median %.3fs, p99 %.0f ms",
				*r.ErrorRate, k, r.OKPct, *r.TheoryPct, r.PerCode, r.MedianS, r.P99MS)
			got.points = append(got.points, xy{*r.ErrorRate, r.OKPct, tip})
			theory.points = append(theory.points, xy{*r.ErrorRate, *r.TheoryPct, ""})
			spent.points = append(spent.points, xy{*r.ErrorRate, r.MedianS, tip})
		}
		ok = append(ok, theory, got)
		cost = append(cost, spent)
	}
	return ok, cost
}

// timeoutSeries are the lines of the timeout panel: for each delay range,
// ok % against the timeout, and its theory.
func timeoutSeries(rows []ExpRow) []series {
	many := manyGroups(rows)
	var keys []string
	byKey := map[string][]ExpRow{}
	for _, r := range rows {
		k := "delay " + r.Delay + groupName(r, many)
		if byKey[k] == nil {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], r)
	}
	var out []series
	for i, k := range keys {
		rs := byKey[k]
		slices.SortFunc(rs, func(a, b ExpRow) int { return compareFloat(a.TimeoutS, b.TimeoutS) })
		color := retryColors[(i+3)%len(retryColors)]
		got := series{name: k, color: color}
		theory := series{name: k + " theory", color: color, dash: "4 3"}
		for _, r := range rs {
			tip := fmt.Sprintf("%s, --timeout %s: %.1f%% ok (theory %.1f%%), median %.3fs", k,
				time.Duration(r.TimeoutS*float64(time.Second)), r.OKPct, *r.TheoryPct, r.MedianS)
			got.points = append(got.points, xy{r.TimeoutS, r.OKPct, tip})
			theory.points = append(theory.points, xy{r.TimeoutS, *r.TheoryPct, ""})
		}
		out = append(out, theory, got)
	}
	return out
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p*1.0001 {
			return m * p
		}
	}
	return 10 * p
}
