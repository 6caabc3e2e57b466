package bench

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func eff(x float64) *float64 { return &x }

// sample is a fixed result: two code sets, the three servers, sequential
// (one rung; on DELAY a scaled subset), loop, and an external command
// without {m} that exits 1 on ERROR; LOCAL's m=1000 cells are noisy.
func sample() Result {
	cfg := Config{External: []string{"python3 flags2_asyncio.py -s {base_url} {codes}"}}.withDefaults()
	res := Result{Config: cfg, Cores: 2, Elapsed: 61*time.Second + 300*time.Millisecond, Startup: 7 * time.Millisecond}
	_, res.Notes = plan(cfg)
	spread := func(r Row) Row {
		r.Spread = round((r.MaxS-r.MinS)/r.MedianS, 3)
		r.Noisy = r.Spread > cfg.Noise
		if r.MeasuredOn == 0 {
			r.MeasuredOn = int(r.Requests)
		}
		r.PerCode = round(float64(r.Requests)/float64(r.MeasuredOn), 2)
		return r
	}
	for _, codes := range []string{"-a", "-e"} {
		n := 194.0
		if codes == "-e" {
			n = 676
		}
		for _, server := range []string{"LOCAL", "DELAY", "ERROR"} {
			errs := 0
			if server == "ERROR" {
				errs = int(n / 4)
			}
			base := 0.08 * n / 194
			seq := Row{Client: "flags2", Strategy: "sequential", Server: server, Codes: codes, Concurrency: 1,
				Reps: 3, MedianS: base * 2, MinS: base * 1.9, MaxS: base * 2.3, ReqPerS: n / (base * 2),
				Requests: int64(n), PeakInFlight: 1, Errors: errs, PeakRSSKB: 14000}
			if server == "DELAY" {
				scale := n / 10
				seq.MedianS, seq.MinS, seq.MaxS = round(1.52*scale, 3), round(1.51*scale, 3), round(1.55*scale, 3)
				seq.Requests, seq.ReqPerS, seq.MeasuredOn, seq.Extrapolated = 10, round(10/1.52, 1), 10, true
				seq.Efficiency = eff(0.987)
			}
			res.Rows = append(res.Rows, spread(seq))
			for _, m := range []int{1, 10, 100, 1000} {
				if server == "DELAY" && m == 1 {
					continue
				}
				r := Row{Client: "flags2", Strategy: "loop", Server: server, Codes: codes, Concurrency: m, Reps: 3,
					MedianS: base, MinS: base * 0.9, MaxS: base * 1.2, ReqPerS: n / base, Requests: int64(n),
					PeakInFlight: int64(min(m, 3)), Errors: errs, PeakRSSKB: 14000 + int64(m)*20}
				if server == "LOCAL" && m == 1000 {
					r.Reps, r.MaxS = 10, base*1.5
				}
				if server == "DELAY" {
					ideal := ideal(int(n), m, cfg.Delay).Seconds()
					r.MedianS, r.MinS, r.MaxS = round(ideal/0.97, 3), round(ideal/0.98, 3), round(ideal/0.95, 3)
					r.ReqPerS, r.PeakInFlight, r.Efficiency = round(n/r.MedianS, 1), int64(min(m, int(n))), eff(0.97)
				}
				res.Rows = append(res.Rows, spread(r))
			}
			ext := Row{Client: cfg.External[0], Strategy: "external", Server: server, Codes: codes, Concurrency: 0,
				Reps: 3, MedianS: base * 3, MinS: base * 3, MaxS: base * 3.5, ReqPerS: n / (base * 3), Requests: int64(n),
				PeakInFlight: 5, Errors: errs, PeakRSSKB: 30000}
			if server == "ERROR" {
				ext.ExitStatus = 1
			}
			res.Rows = append(res.Rows, spread(ext))
		}
	}
	return res
}

func TestTableGolden(t *testing.T) {
	var b bytes.Buffer
	if err := WriteTable(&b, sample()); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "table.golden")
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("table differs from %s (go test -update rewrites it):\n%s", golden, got)
	}
}

func TestJSONRows(t *testing.T) {
	res := sample()
	var b bytes.Buffer
	if err := WriteJSON(&b, res.Rows); err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	if err := json.Unmarshal(b.Bytes(), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(res.Rows) {
		t.Fatalf("%d rows; want %d", len(rows), len(res.Rows))
	}
	for i, row := range rows {
		if len(row) != len(jsonKeys) {
			t.Errorf("row %d has %d keys; want %d: %v", i, len(row), len(jsonKeys), row)
		}
		for _, k := range jsonKeys {
			if _, ok := row[k]; !ok {
				t.Errorf("row %d lacks %q", i, k)
			}
		}
		if want := row["server"] == "DELAY" && row["concurrency"].(float64) > 0; want != (row["efficiency"] != nil) {
			t.Errorf("row %d: efficiency %v for %v at m=%v", i, row["efficiency"], row["server"], row["concurrency"])
		}
	}
	b.Reset()
	WriteJSON(&b, nil)
	if got := strings.TrimSpace(b.String()); got != "[]" {
		t.Errorf("no rows = %q; want []", got)
	}
}

func TestCSV(t *testing.T) {
	res := sample()
	var b bytes.Buffer
	if err := WriteCSV(&b, res.Rows); err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != len(res.Rows)+1 || !slices.Equal(records[0], jsonKeys) {
		t.Fatalf("%d records, header %v; want %d and the JSON keys", len(records), records[0], len(res.Rows)+1)
	}
	for i, rec := range records[1:] {
		r := byName(records[0], rec)
		if want := r["server"] == "DELAY" && r["concurrency"] != "0"; want != (r["efficiency"] != "") {
			t.Errorf("record %d: efficiency %q for %s", i, r["efficiency"], r["server"])
		}
	}
}

// byName maps a CSV record to its header's names.
func byName(header, record []string) map[string]string {
	m := map[string]string{}
	for i, h := range header {
		m[h] = record[i]
	}
	return m
}

// svgPaths parses the SVG in file as XML, every token, and returns its
// paths as "codes:strategy/server".
func svgPaths(t *testing.T, file string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return parseSVG(t, data)
}

func parseSVG(t *testing.T, data []byte) []string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	var paths []string
	root := ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v", err)
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if root == "" {
			root = el.Name.Space + " " + el.Name.Local
		}
		if el.Name.Local != "path" {
			continue
		}
		attr := map[string]string{}
		for _, a := range el.Attr {
			attr[a.Name.Local] = a.Value
		}
		if !strings.HasPrefix(attr["d"], "M") {
			t.Errorf("path with d=%q; want it to start with a move", attr["d"])
		}
		paths = append(paths, attr["data-codes"]+":"+attr["data-strategy"]+"/"+attr["data-server"])
	}
	if root != "http://www.w3.org/2000/svg svg" {
		t.Errorf("root element %q; want svg in the SVG namespace", root)
	}
	return paths
}

func TestSVGOnePathPerStrategyAndServer(t *testing.T) {
	res := sample()
	var b bytes.Buffer
	if err := WriteSVG(&b, res); err != nil {
		t.Fatal(err)
	}
	paths := parseSVG(t, b.Bytes())
	var want []string
	for _, codes := range []string{"-a", "-e"} {
		for _, server := range []string{"LOCAL", "DELAY", "ERROR"} {
			for _, s := range []string{"sequential", "loop", "external"} {
				want = append(want, codes+":"+s+"/"+server)
			}
		}
	}
	slices.Sort(paths)
	slices.Sort(want)
	if !slices.Equal(paths, want) {
		t.Errorf("paths = %v\nwant %v", paths, want)
	}
	for _, text := range []string{"concurrency -m (log)", "median time, s (log)", "sequential (ignores -m)", "DELAY ideal",
		"flags2 bench: flags2 and 1 external command, time against concurrency",
		`class="point noisy"`, `class="point extrapolated"`, `class="point exit"`, "~ from 10 codes", "exit 1"} {
		if !bytes.Contains(b.Bytes(), []byte(text)) {
			t.Errorf("the plot lacks %q", text)
		}
	}
}

func TestAxisTicks(t *testing.T) {
	tests := []struct {
		vs     []float64
		lo, hi float64
	}{
		{[]float64{1, 10, 100, 1000}, 1, 1000},
		{[]float64{0.061, 10.3}, 0.01, 100},
		{[]float64{0.5}, 0.1, 1},
		{nil, 0.01, 1},
	}
	for _, tt := range tests {
		a := axisFor(tt.vs, 0.01, 1)
		if !near(a.lo, tt.lo) || !near(a.hi, tt.hi) {
			t.Errorf("axisFor(%v) = [%g, %g]; want [%g, %g]", tt.vs, a.lo, a.hi, tt.lo, tt.hi)
		}
		if !near(a.at(a.lo), 0) || !near(a.at(a.hi), 1) {
			t.Errorf("axisFor(%v) maps its ends to %g and %g; want 0 and 1", tt.vs, a.at(a.lo), a.at(a.hi))
		}
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }
