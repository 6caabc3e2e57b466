package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"flagsuite/common/countries"
	"flagsuite/common/servers"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: got\n%s\nwant\n%s", name, got, want)
	}
}

func TestHeader(t *testing.T) {
	tests := []struct {
		name        string
		server      servers.Server
		codes       []string
		concurrency int
	}{
		{"header_one_code", servers.Local, []string{"BR"}, 1},
		{"header_ten_codes", servers.Delay, countries.Letter('B')[:10], 10},
		{"header_eleven_codes", servers.Error, countries.Letter('B')[:11], 5},
		{"header_every", servers.Error, countries.Every()[:100], 100},
		{"header_url", servers.Server{Label: "URL", BaseURL: "http://127.0.0.1:9000/flags"}, []string{"AD", "BR"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			Header(&b, tt.server, tt.codes, tt.concurrency)
			golden(t, tt.name, b.Bytes())
		})
	}
}

func tallyOf(ok, notFound, errs, notAttempted int, cancelled ...int) *Tally {
	var t Tally
	n := 0
	add := func(k int, s Status) {
		for range k {
			cc := countries.Every()[n]
			n++
			r := Result{CC: cc, Status: s, Attempts: 1, Latency: time.Duration(n) * time.Millisecond, HTTPStatus: 200,
				URL: "http://localhost:8000/flags/" + cc + "/" + cc + ".gif"}
			switch s {
			case OK:
				r.Bytes = 12000
			case NotFound:
				r.HTTPStatus = 404
			case Error:
				r.HTTPStatus, r.Detail, r.Attempts = 418, "HTTP error 418 - I'm a teapot", 2
			case NotAttempted:
				r.Attempts, r.HTTPStatus = 0, 0
			case Cancelled:
				r.HTTPStatus, r.Latency = 0, 0
			}
			t.Add(r)
		}
	}
	add(ok, OK)
	add(notFound, NotFound)
	add(errs, Error)
	add(notAttempted, NotAttempted)
	for _, k := range cancelled {
		add(k, Cancelled)
	}
	return &t
}

func TestFinal(t *testing.T) {
	tests := []struct {
		name                       string
		ok, notFound, errs, notAtt int
		interrupted                bool
		cancelled                  int
	}{
		{"final_one_flag", 1, 0, 0, 0, false, 0},
		{"final_all_ok", 20, 0, 0, 0, false, 0},
		{"final_zero", 0, 0, 1, 0, false, 0},
		{"final_mixed", 73, 500, 27, 0, false, 0},
		{"final_one_each", 1, 1, 1, 0, false, 0},
		{"final_interrupted", 10, 2, 3, 85, true, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			Final(&b, Summary{
				Tally: tallyOf(tt.ok, tt.notFound, tt.errs, tt.notAtt, tt.cancelled), Elapsed: 640 * time.Millisecond,
				Interrupted: tt.interrupted, ConnsOpened: 20, ConnsReused: 80,
			})
			golden(t, tt.name, b.Bytes())
		})
	}
}

func TestLine(t *testing.T) {
	tests := []struct {
		r    Result
		want string
	}{
		{Result{CC: "BR", Status: OK, Attempts: 1}, "BR OK"},
		{Result{CC: "BR", Status: OK, Attempts: 3}, "BR OK (3 attempts)"},
		{Result{CC: "XZ", Status: NotFound, URL: "http://h/flags/xz/xz.gif", Attempts: 1}, "XZ not found: http://h/flags/xz/xz.gif"},
		{Result{CC: "AO", Status: Error, Detail: "HTTP error 418 - I'm a teapot", Err: errors.New("x")}, "AO error: HTTP error 418 - I'm a teapot"},
		{Result{CC: "AO", Status: Error, Err: errors.New("connection refused")}, "AO error: connection refused"},
		{Result{CC: "ZW", Status: NotAttempted}, "ZW not attempted"},
		{Result{CC: "ZW", Status: Cancelled, Attempts: 1}, "ZW cancelled"},
	}
	for _, tt := range tests {
		if got := tt.r.Line(); got != tt.want {
			t.Errorf("%+v.Line() = %q; want %q", tt.r, got, tt.want)
		}
	}
}

func TestPercentile(t *testing.T) {
	var tl Tally
	for i := 1; i <= 100; i++ {
		tl.Add(Result{CC: "AA", Status: OK, Attempts: 1, Latency: time.Duration(i) * time.Millisecond})
	}
	tl.Add(Result{CC: "ZZ", Status: NotAttempted, Latency: time.Hour})           // never counted
	tl.Add(Result{CC: "ZY", Status: Cancelled, Attempts: 1, Latency: time.Hour}) // nor a request cut short
	for _, tt := range []struct {
		p    float64
		want time.Duration
	}{{0.5, 50 * time.Millisecond}, {0.9, 90 * time.Millisecond}, {0.99, 99 * time.Millisecond}, {1, 100 * time.Millisecond}} {
		if got := tl.Percentile(tt.p); got != tt.want {
			t.Errorf("Percentile(%v) = %v; want %v", tt.p, got, tt.want)
		}
	}
	if got := new(Tally).Percentile(0.5); got != 0 {
		t.Errorf("empty Percentile(0.5) = %v; want 0", got)
	}
}

func TestJSON(t *testing.T) {
	s := Summary{
		Strategy: "loop", Server: servers.Error, Concurrency: 100, Requested: 4,
		Tally: tallyOf(1, 1, 1, 1), Elapsed: 1500 * time.Millisecond, Interrupted: true,
		ConnsOpened: 3, ConnsReused: 1,
	}
	var b bytes.Buffer
	if err := WriteJSON(&b, s); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.json", b.Bytes())

	var back map[string]any
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatalf("report is not JSON: %v", err)
	}
	for _, key := range []string{"strategy", "server", "base_url", "concurrency", "requested", "ok", "not_found",
		"errors", "not_attempted", "cancelled", "interrupted", "elapsed_s", "bytes", "retries", "connections", "latency_ms", "results"} {
		if _, ok := back[key]; !ok {
			t.Errorf("JSON report lacks key %q", key)
		}
	}
}

// TestJSONTotalsMatchResults counts the statuses of the results one by one
// and checks the totals against them, with a different count for each
// status so that no two totals can be swapped unseen.
func TestJSONTotalsMatchResults(t *testing.T) {
	t.Parallel()
	s := Summary{Strategy: "pool", Server: servers.Local, Concurrency: 4, Requested: 12, Tally: tallyOf(4, 3, 2, 1, 2)}
	j := ToJSON(s)
	seen := map[string]int{}
	byStatus := map[string]int{}
	for _, r := range j.Results {
		seen[r.CC]++
		byStatus[r.Status]++
	}
	for cc, n := range seen {
		if n != 1 {
			t.Errorf("code %s has %d results; want 1", cc, n)
		}
	}
	if len(j.Results) != j.Requested {
		t.Errorf("%d results; want requested %d", len(j.Results), j.Requested)
	}
	for _, tt := range []struct {
		status string
		total  int
	}{{"ok", j.OK}, {"not_found", j.NotFound}, {"error", j.Errors}, {"not_attempted", j.NotAttempted}, {"cancelled", j.Cancelled}} {
		if byStatus[tt.status] != tt.total {
			t.Errorf("%d results with status %q; the total says %d", byStatus[tt.status], tt.status, tt.total)
		}
	}
	if j.OK != 4 || j.NotFound != 3 || j.Errors != 2 || j.NotAttempted != 1 || j.Cancelled != 2 {
		t.Errorf("totals ok %d, not found %d, errors %d, not attempted %d, cancelled %d; want 4, 3, 2, 1, 2",
			j.OK, j.NotFound, j.Errors, j.NotAttempted, j.Cancelled)
	}
}

func TestBytes(t *testing.T) {
	for _, tt := range []struct {
		n    int64
		want string
	}{{0, "0 B"}, {999, "999 B"}, {12115, "12.1 kB"}, {2350400, "2.4 MB"}, {3e9, "3.0 GB"}} {
		if got := Bytes(tt.n); got != tt.want {
			t.Errorf("Bytes(%d) = %q; want %q", tt.n, got, tt.want)
		}
	}
}
