package bench

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// WriteFaultsTable prints the experiments for a reader: a header line, one
// block per experiment with the factors it varies first, then what became
// of the codes and what it cost, and a footer on reading the columns.
func WriteFaultsTable(w io.Writer, res ExpResult) error {
	bw := bufio.NewWriter(w)
	cfg := res.Config
	fmt.Fprintf(bw, "flags2 bench --faults · client %s · seed %d · %d rep%s · %s\n",
		ClientName(cfg.Client), cfg.Seed, cfg.Reps, plural(cfg.Reps), cores(res.Cores))
	blocks := []struct {
		exp, title string
		factors    []string
		cols       func(r ExpRow) []string
	}{
		{expErrors, "errors: LOCAL's data, a share of GETs answered 418, each attempt drawn anew; the client retries",
			[]string{"%-5s", "rate", "%7s", "retries"},
			func(r ExpRow) []string { return []string{fmt.Sprintf("%.2f", *r.ErrorRate), strconv.Itoa(r.Retries)} }},
		{expTimeouts, "timeouts: DELAY, each file's wait drawn from the range by its path; the client's --timeout",
			[]string{"%-10s", "delay", "%7s", "timeout"},
			func(r ExpRow) []string {
				return []string{r.Delay, seconds(time.Duration(r.TimeoutS * float64(time.Second)))}
			}},
		{expChaos, "chaos: LOCAL behind the chaos proxy, the --behavior list seeded by path",
			[]string{"%-38s", "behavior"},
			func(r ExpRow) []string { return []string{r.Behavior} }},
	}
	for _, b := range blocks {
		var rows []ExpRow
		for _, r := range res.Rows {
			if r.Experiment == b.exp {
				rows = append(rows, r)
			}
		}
		if len(rows) == 0 {
			continue
		}
		title := b.title
		if b.exp == expChaos {
			title += fmt.Sprintf("; the client's --timeout %s", seconds(time.Duration(rows[0].TimeoutS*float64(time.Second))))
		}
		fmt.Fprintf(bw, "\n%s\n", title)
		var head strings.Builder
		for i := 0; i < len(b.factors); i += 2 {
			fmt.Fprintf(&head, b.factors[i]+"  ", b.factors[i+1])
		}
		fmt.Fprintf(bw, "%s%-10s  %4s  %5s  %6s  %6s  %-28s  %6s  %8s  %7s\n", head.String(),
			"strategy", "m", "codes", "ok %", "theory", "errors (by kind)", "req/cc", "median", "p99 ms")
		for _, r := range rows {
			var line strings.Builder
			vals := b.cols(r)
			for i, v := range vals {
				fmt.Fprintf(&line, b.factors[2*i]+"  ", v)
			}
			theory := "-"
			if r.TheoryPct != nil {
				theory = fmt.Sprintf("%.1f", *r.TheoryPct)
			}
			median := fmt.Sprintf("%.3fs", r.MedianS)
			fmt.Fprintf(bw, "%s%-10s  %4d  %5s  %6.1f  %6s  %-28s  %6.2f  %8s  %7.1f\n", line.String(),
				r.Strategy, r.Concurrency, r.Codes, r.OKPct, theory, kindsText(r), r.PerCode, median, r.P99MS)
		}
	}
	if len(res.Rows) == 0 {
		bw.WriteString("(no cell measured)\n")
	}
	bw.WriteString("\n")
	for _, line := range []string{
		"ok %: codes downloaded / codes the data set has (194 of -a; -e asks for 482 more that are 404).",
		"theory: errors 1 - rate^(retries+1), a file lost only if every attempt fails; timeouts the share",
		"  of the range under the timeout; raised to the power q for a client that needs q files a code",
		"  (2 for flags3).  errors: codes in error, by kind (the most in one run).",
		"req/cc: requests the server received per code, the retries' cost.  median: the client's own",
		"  elapsed_s.  p99 ms: the client's 99th percentile request latency.  Each cell is a separate",
		"  client process; the faults are seeded (--seed), so a rerun meets the same ones.",
	} {
		fmt.Fprintln(bw, line)
	}
	if res.Interrupted {
		bw.WriteString("interrupted: the rows show the runs finished before.\n")
	}
	fmt.Fprintf(bw, "%d cell%s measured in %s.\n", len(res.Rows), plural(len(res.Rows)), res.Elapsed.Round(100*time.Millisecond))
	return bw.Flush()
}

// kindsText is "20 (18 http 418, 2 timeout)", or "0".
func kindsText(r ExpRow) string {
	if r.Errors == 0 {
		return "0"
	}
	var parts []string
	for _, k := range r.ErrorKinds {
		parts = append(parts, fmt.Sprintf("%d %s", k.Count, k.Kind))
	}
	return fmt.Sprintf("%d (%s)", r.Errors, strings.Join(parts, ", "))
}

// WriteFaultsJSON prints the rows as one indented JSON array, one object
// per cell.
func WriteFaultsJSON(w io.Writer, rows []ExpRow) error {
	if rows == nil {
		rows = []ExpRow{}
	}
	for i := range rows {
		if rows[i].ErrorKinds == nil {
			rows[i].ErrorKinds = []Kind{}
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rows)
}

// expCSVHeader is the CSV header of the experiments: theirs, then the
// bench's own columns.
var expCSVHeader = append([]string{"experiment", "error_rate", "retries", "delay", "timeout_s", "behavior",
	"requested", "existing", "ok", "not_found", "ok_pct", "theory_pct", "error_kinds", "p99_ms"}, csvHeader...)

// WriteFaultsCSV prints the rows as CSV; error_kinds is "18 http 418; 2 timeout".
func WriteFaultsCSV(w io.Writer, rows []ExpRow) error {
	cw := csv.NewWriter(w)
	cw.Write(expCSVHeader)
	for _, r := range rows {
		rate, theory := "", ""
		if r.ErrorRate != nil {
			rate = num(*r.ErrorRate)
		}
		if r.TheoryPct != nil {
			theory = num(*r.TheoryPct)
		}
		var kinds []string
		for _, k := range r.ErrorKinds {
			kinds = append(kinds, fmt.Sprintf("%d %s", k.Count, k.Kind))
		}
		rec := []string{r.Experiment, rate, strconv.Itoa(r.Retries), r.Delay, num(r.TimeoutS), r.Behavior,
			strconv.Itoa(r.Requested), strconv.Itoa(r.Existing), strconv.Itoa(r.OK), strconv.Itoa(r.NotFound),
			num(r.OKPct), theory, strings.Join(kinds, "; "), num(r.P99MS)}
		cw.Write(append(rec, csvRecord(r.Row)...))
	}
	cw.Flush()
	return cw.Error()
}
