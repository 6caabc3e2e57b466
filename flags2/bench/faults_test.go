package bench

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"flagsuite/common/report"
)

func reportResult(status int, msg string) report.JSONResult {
	return report.JSONResult{Status: "error", HTTPStatus: status, Error: msg}
}

// svgPathNames returns the data-name of each path of the SVG in file, in order.
func svgPathNames(t *testing.T, file string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	var names []string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return names
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v", err)
		}
		if el, ok := tok.(xml.StartElement); ok && el.Name.Local == "path" {
			for _, a := range el.Attr {
				if a.Name.Local == "data-name" {
					names = append(names, a.Value)
				}
			}
		}
	}
}

// faultsJSON runs "flags2 bench ARGS --json" and decodes its rows.
func faultsJSON(t *testing.T, args ...string) []map[string]any {
	t.Helper()
	code, stdout, stderr := bench(t, context.Background(), append(args, "--json", "-q", "--svg", "")...)
	if code != 0 {
		t.Fatalf("exit %d; want 0\nstderr: %s", code, stderr)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(stdout), &rows); err != nil {
		t.Fatalf("stdout is not a JSON array: %v\n%s", err, stdout)
	}
	return rows
}

// TestErrorRatesTimesRetries is the experiment of the issue, twice with the
// same seed: one JSON row per cell with its fields; the same ok and error
// counts in every cell of both runs; and ok % as theory says, a code lost
// only when all of its retries+1 attempts fail, within sampling error for
// 194 codes.
func TestErrorRatesTimesRetries(t *testing.T) {
	t.Parallel()
	args := []string{"--client", flags2(t), "--error-rates", "0.25,0.5", "--retries", "0,2", "--seed", "7", "--dest", memDir(t)}
	first := faultsJSON(t, args...)
	second := faultsJSON(t, args...)
	if len(first) != 4 || len(second) != 4 {
		t.Fatalf("%d and %d rows; want 4 each (2 rates × 2 retry budgets)", len(first), len(second))
	}
	for _, key := range append([]string{"experiment", "error_rate", "retries", "ok", "errors", "requested", "requests",
		"ok_pct", "theory_pct", "error_kinds", "p99_ms"}, jsonKeys...) {
		if _, ok := first[0][key]; !ok {
			t.Errorf("a row lacks %q: %v", key, first[0])
		}
	}
	okBy := map[float64]map[float64]float64{} // rate → retries → ok
	for i, r := range first {
		s := second[i]
		if r["ok"] != s["ok"] || r["errors"] != s["errors"] || r["error_rate"] != s["error_rate"] || r["retries"] != s["retries"] {
			t.Errorf("row %d: ok %v, errors %v in one run, ok %v, errors %v in the other; want the same",
				i, r["ok"], r["errors"], s["ok"], s["errors"])
		}
		rate, retries := r["error_rate"].(float64), r["retries"].(float64)
		ok, n := r["ok"].(float64), r["requested"].(float64)
		if n != 194 || r["experiment"] != "errors" || r["ok"].(float64)+r["errors"].(float64) != n {
			t.Errorf("row %v: want 194 codes of the errors experiment, each ok or in error", r)
		}
		p := 1 - math.Pow(rate, retries+1)
		if sd := math.Sqrt(n * p * (1 - p)); math.Abs(ok-n*p) > 3.5*sd+1 {
			t.Errorf("rate %g, retries %g: %g of %g ok; theory %.1f ± %.1f", rate, retries, ok, n, n*p, 3.5*sd)
		}
		if retries > 0 && r["requests"].(float64) <= n {
			t.Errorf("rate %g, retries %g: %v requests for %g codes; retries must cost requests", rate, retries, r["requests"], n)
		}
		if okBy[rate] == nil {
			okBy[rate] = map[float64]float64{}
		}
		okBy[rate][retries] = ok
	}
	for rate, by := range okBy {
		if by[2] <= by[0] {
			t.Errorf("rate %g: %g ok with 2 retries, %g with none; want more", rate, by[2], by[0])
		}
	}
}

// TestTimeoutsAndChaos runs the two other experiments small: a timeout in
// the middle of the delay range loses about half the codes, all as
// timeouts; a chaos line of 50% errors loses about half, as 5xx.
func TestTimeoutsAndChaos(t *testing.T) {
	t.Parallel()
	rows := faultsJSON(t, "--client", flags2(t), "--delays", "0s-2s", "--timeouts", "1s", "--behavior", "50:error",
		"--codes", "a", "--limit", "40", "--ladder", "40", "--dest", memDir(t))
	if len(rows) != 3 {
		t.Fatalf("%d rows; want 3 (timeouts, then chaos with pool and loop): %v", len(rows), rows)
	}
	for _, r := range rows {
		pct := r["ok_pct"].(float64)
		kinds, _ := r["error_kinds"].([]any)
		var kind string
		if len(kinds) > 0 {
			kind = kinds[0].(map[string]any)["kind"].(string)
		}
		want := map[string]string{"timeouts": "timeout", "chaos": "http 5xx"}[r["experiment"].(string)]
		if pct < 20 || pct > 80 || len(kinds) != 1 || kind != want {
			t.Errorf("%v %v: %.1f%% ok, errors %v; want about half, all %q", r["experiment"], r["strategy"], pct, kinds, want)
		}
	}
	if rows[0]["theory_pct"].(float64) != 50 || rows[0]["timeout_s"].(float64) != 1 || rows[0]["delay"] != "0s-2s" {
		t.Errorf("timeouts row %v: want theory 50, timeout 1, delay 0s-2s", rows[0])
	}
	if rows[1]["behavior"] != "50:error" || rows[1]["strategy"] != "pool" || rows[2]["strategy"] != "loop" {
		t.Errorf("chaos rows %v, %v: want 50:error with pool, then loop", rows[1], rows[2])
	}
}

// TestFaultsTableCSVAndPlot renders a fixed result: the table has a block
// per experiment, the CSV one record per row under its header, the plot a
// line per retry budget and its theory.
func TestFaultsTableCSVAndPlot(t *testing.T) {
	t.Parallel()
	cfg := Config{Faults: &Faults{}, Reps: 1, Seed: 3}.withDefaults()
	res := ExpResult{Config: cfg, Cores: 2, Elapsed: 3 * time.Second}
	for _, rate := range []float64{0.1, 0.5} {
		for _, retries := range []int{0, 1} {
			ok := int(194 * (1 - math.Pow(rate, float64(retries+1))))
			res.Rows = append(res.Rows, ExpRow{Row: Row{Strategy: "loop", Concurrency: 100, Codes: "-a", MedianS: 0.1, MaxS: 0.12, Errors: 194 - ok, PerCode: 1.2},
				Experiment: expErrors, ErrorRate: ptr(rate), Retries: retries, Requested: 194, Existing: 194, OK: ok,
				OKPct: round(100*float64(ok)/194, 1), TheoryPct: ptr(100 * (1 - math.Pow(rate, float64(retries+1)))),
				ErrorKinds: []Kind{{"http 418", 194 - ok}}})
		}
	}
	res.Rows = append(res.Rows, ExpRow{Row: Row{Strategy: "pool", Concurrency: 100, Codes: "-a", Errors: 3}, Experiment: expChaos,
		Behavior: "10:reset", TimeoutS: 2, Requested: 194, Existing: 194, OK: 191, OKPct: 98.5, ErrorKinds: []Kind{{"reset", 3}}})

	var b bytes.Buffer
	if err := WriteFaultsTable(&b, res); err != nil {
		t.Fatal(err)
	}
	table := b.String()
	for _, want := range []string{"errors: LOCAL's data", "0.50         1  loop", "chaos: LOCAL behind the chaos proxy",
		"the client's --timeout 2.0s", "10:reset", "3 (3 reset)", "5 cells measured"} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %q:\n%s", want, table)
		}
	}
	if strings.Contains(table, "timeouts:") {
		t.Errorf("the table has a timeouts block without timeout rows:\n%s", table)
	}

	b.Reset()
	if err := WriteFaultsCSV(&b, res.Rows); err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(&b).ReadAll()
	if err != nil || len(records) != len(res.Rows)+1 || !slices.Equal(records[0], expCSVHeader) {
		t.Fatalf("CSV: %v, %d records; want %d under the header", err, len(records), len(res.Rows)+1)
	}
	if r := byName(records[0], records[4]); r["error_rate"] != "0.5" || r["retries"] != "1" || r["error_kinds"] != "49 http 418" {
		t.Errorf("CSV record %v", r)
	}

	svg := filepath.Join(t.TempDir(), "faults.svg")
	if err := writeFile(svg, func(w io.Writer) error { return WriteFaultsSVG(w, res) }); err != nil {
		t.Fatal(err)
	}
	names := svgPathNames(t, svg)
	want := []string{"retries 0 theory", "retries 0", "retries 1 theory", "retries 1", "retries 0", "retries 1"}
	if !slices.Equal(names, want) {
		t.Errorf("plot lines %v; want %v", names, want)
	}
}

func TestParseDelayRange(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]DelayRange{
		"0.5s-5s":   {500 * time.Millisecond, 5 * time.Second},
		"200ms":     {200 * time.Millisecond, 200 * time.Millisecond},
		" 1s - 2s ": {time.Second, 2 * time.Second},
	} {
		if got, err := ParseDelayRange(in); err != nil || got != want {
			t.Errorf("ParseDelayRange(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "5s-1s", "x", "1s-", "-1s"} {
		if _, err := ParseDelayRange(bad); err == nil {
			t.Errorf("ParseDelayRange(%q) succeeded; want an error", bad)
		}
	}
}

func TestShareUnder(t *testing.T) {
	t.Parallel()
	d := DelayRange{500 * time.Millisecond, 5 * time.Second}
	for timeout, want := range map[time.Duration]float64{time.Second: 1.0 / 9, 2 * time.Second: 1.0 / 3, 5 * time.Second: 1, 100 * time.Millisecond: 0} {
		if got := shareUnder(d, timeout); math.Abs(got-want) > 1e-9 {
			t.Errorf("shareUnder(%v, %v) = %g; want %g", d, timeout, got, want)
		}
	}
}

// TestDraw: the draws of a path are a fixed sequence, different at each
// attempt and for each path, and a share rate of them falls under rate.
func TestDraw(t *testing.T) {
	t.Parallel()
	if draw(7, "/flags/br/br.gif", 0) != draw(7, "/flags/br/br.gif", 0) {
		t.Error("the same (seed, path, attempt) drew twice differently")
	}
	if draw(7, "/flags/br/br.gif", 0) == draw(7, "/flags/br/br.gif", 1) || draw(7, "/flags/br/br.gif", 0) == draw(7, "/flags/cn/cn.gif", 0) {
		t.Error("another attempt or path drew the same number")
	}
	under := 0
	for i := range 10000 {
		if draw(1, "/flags/"+strconv.Itoa(i), uint64(i%4)) < 0.25 {
			under++
		}
	}
	if under < 2300 || under > 2700 {
		t.Errorf("%d of 10000 draws under 0.25; want about 2500", under)
	}
}

func TestErrorKind(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		status int
		msg    string
	}{
		"http 418":  {418, "HTTP error 418 - I'm a teapot"},
		"http 5xx":  {503, "HTTP error 503 - Service Unavailable"},
		"timeout":   {0, "timeout after 2s"},
		"reset":     {0, "connection reset"},
		"truncated": {0, "body truncated: 100 of 2000 bytes"},
		"closed":    {0, "connection closed by server"},
		"other":     {0, "something else"},
	}
	for want, tt := range tests {
		if got := errorKind(reportResult(tt.status, tt.msg)); got != want {
			t.Errorf("errorKind(%d %q) = %q; want %q", tt.status, tt.msg, got, want)
		}
	}
}

// TestErrorRatesFlags3: a client that needs two files a code (flags3) loses
// a code when either file is lost, so its theory is squared; the server's
// ledger tells the bench how many files a code took.
func TestErrorRatesFlags3(t *testing.T) {
	t.Parallel()
	rows := faultsJSON(t, "--client", flags3(t), "--error-rates", "0.5", "--retries", "0,1", "--seed", "3", "--dest", memDir(t))
	if len(rows) != 2 {
		t.Fatalf("%d rows; want 2", len(rows))
	}
	for _, r := range rows {
		retries, ok := r["retries"].(float64), r["ok"].(float64)
		p := math.Pow(1-math.Pow(0.5, retries+1), 2)
		if got := r["theory_pct"].(float64); math.Abs(got-100*p) > 0.05 {
			t.Errorf("retries %g: theory %g%%; want %.1f%%, squared for two files", retries, got, 100*p)
		}
		if sd := math.Sqrt(194 * p * (1 - p)); math.Abs(ok-194*p) > 3.5*sd+1 {
			t.Errorf("retries %g: %g of 194 ok; theory %.1f ± %.1f", retries, ok, 194*p, 3.5*sd)
		}
	}
}
