package trace

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"flagsuite/common/engine"
	"flagsuite/common/fetch"
	"flagsuite/common/report"
)

// synthetic feeds r the events of a run of n codes with requests requests
// each, two at a time: every third code's first attempt fails and is
// retried after a backoff, every fifth is not found, the rest are written.
func synthetic(r *Recorder, n, requests int) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	for i := range n {
		r.Observe(engine.Event{Kind: engine.Queued, CC: ccOf(i), At: t0})
	}
	for i := range n {
		cc, s := ccOf(i), (i/2)*100
		r.Observe(engine.Event{Kind: engine.SlotTaken, CC: cc, At: at(s)})
		for q := range requests {
			url := fmt.Sprintf("http://flags.test/%s/%d", strings.ToLower(cc), q)
			start := at(s)
			if i%3 == 0 {
				r.Observe(engine.Event{Kind: engine.AttemptStart, CC: cc, At: start, URL: url, N: 1})
				r.Observe(engine.Event{Kind: engine.AttemptDone, CC: cc, At: at(s + 20), URL: url, N: 1, Attempt: fetch.Attempt{
					URL: url, N: 1, Start: start, Latency: 20 * time.Millisecond, Status: 418, NewConns: 1, Err: errors.New("418 <teapot> & co")}})
				r.Observe(engine.Event{Kind: engine.BackoffStart, CC: cc, At: at(s + 20), URL: url, N: 2, Wait: 10 * time.Millisecond})
				r.Observe(engine.Event{Kind: engine.BackoffDone, CC: cc, At: at(s + 30), URL: url})
				start = at(s + 35)
			}
			status := 200
			if i%5 == 0 {
				status = 404
			}
			n := 1 + map[bool]int{true: 1}[i%3 == 0]
			r.Observe(engine.Event{Kind: engine.AttemptStart, CC: cc, At: start, URL: url, N: n})
			r.Observe(engine.Event{Kind: engine.AttemptDone, CC: cc, At: start.Add(50 * time.Millisecond), URL: url, N: n,
				Attempt: fetch.Attempt{URL: url, N: n, Start: start, Latency: 50 * time.Millisecond, Status: status, Reused: true,
					TTFB: 40 * time.Millisecond, Bytes: 1000}})
		}
		r.Observe(engine.Event{Kind: engine.SlotFreed, CC: cc, At: at(s + 90)})
		res := report.Result{CC: cc, Status: report.OK, File: cc + ".gif", HTTPStatus: 200}
		if i%5 == 0 {
			res.Status, res.File, res.HTTPStatus = report.NotFound, "", 404
		} else {
			r.Observe(engine.Event{Kind: engine.WriteQueued, CC: cc, At: at(s + 90)})
			r.Observe(engine.Event{Kind: engine.WriteStarted, CC: cc, At: at(s + 92)})
			r.Observe(engine.Event{Kind: engine.WriteDone, CC: cc, At: at(s + 95)})
		}
		r.Observe(engine.Event{Kind: engine.Done, CC: cc, At: at(s + 95), Result: res})
	}
}

func ccOf(i int) string { return string(rune('A'+i/26%26)) + string(rune('A'+i%26)) }

// TestSVG draws runs of 20 and 676 codes, with one and two requests each:
// the picture is XML, every segment has a <title>, every code an outcome
// mark, and rows stay at least a pixel high.
func TestSVG(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ codes, requests int }{{20, 1}, {20, 2}, {676, 1}, {676, 2}} {
		t.Run(fmt.Sprintf("%d/%d", tt.codes, tt.requests), func(t *testing.T) {
			r := &Recorder{Title: "loop -m 2", Slots: 2}
			synthetic(r, tt.codes, tt.requests)
			var b bytes.Buffer
			if err := r.WriteSVG(&b); err != nil {
				t.Fatal(err)
			}
			rects, titled, circles, height := 0, 0, 0, 0.0
			var open []string
			dec := xml.NewDecoder(&b)
			for {
				tok, err := dec.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("not XML: %v", err)
				}
				switch el := tok.(type) {
				case xml.StartElement:
					if el.Name.Local == "title" && len(open) > 0 {
						switch open[len(open)-1] {
						case "rect":
							titled++
						}
					}
					if el.Name.Local == "circle" && len(open) > 0 && open[len(open)-1] == "g" {
						circles++
					}
					if el.Name.Local == "rect" && len(open) > 0 && open[len(open)-1] == "g" {
						rects++
						for _, a := range el.Attr {
							if a.Name.Local == "height" {
								fmt.Sscan(a.Value, &height)
							}
						}
					}
					open = append(open, el.Name.Local)
				case xml.EndElement:
					open = open[:len(open)-1]
				}
			}
			if circles != tt.codes {
				t.Errorf("%d outcome marks; want one per code, %d", circles, tt.codes)
			}
			if rects == 0 || titled != rects {
				t.Errorf("%d segments, %d with a <title>; want all", rects, titled)
			}
			if height < 0.8 {
				t.Errorf("segments %.2f px high; want rows readable even for %d codes", height, tt.codes)
			}
		})
	}
}

// TestJSONPhases checks the phases of the synthetic run in the trace: a
// queue event per code, http events with their args, a backoff and a
// second wait before each retry, a disk event per download.
func TestJSONPhases(t *testing.T) {
	t.Parallel()
	r := &Recorder{Title: "pool -m 2", Slots: 2}
	synthetic(r, 30, 2)
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		TraceEvents []struct {
			Ph, Name, Cat string
			Tid           int
			Args          map[string]any
		}
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	cats := map[string]int{}
	tracks := map[int]bool{}
	for _, e := range doc.TraceEvents {
		if e.Ph == "X" || e.Ph == "i" {
			cats[e.Cat]++
			tracks[e.Tid] = true
			if e.Args["cc"] == nil {
				t.Errorf("%s event %q has no args.cc", e.Cat, e.Name)
			}
		}
		if e.Cat == "disk" && (e.Args["wait_ms"] != 2.0 || e.Args["write_ms"] != 3.0) {
			t.Errorf("disk event args %v; want wait_ms 2 and write_ms 3", e.Args)
		}
		if e.Cat == "http" {
			for _, k := range []string{"url", "status", "bytes", "attempt", "conn", "outcome"} {
				if _, ok := e.Args[k]; !ok {
					t.Errorf("http event lacks args.%s: %v", k, e.Args)
				}
			}
		}
	}
	// 30 codes, 10 of them retried, each with 2 requests; 6 not found.
	want := map[string]int{"queue": 30 + 20, "http": 60 + 20, "backoff": 20, "disk": 24, "result": 30}
	for cat, n := range want {
		if cats[cat] != n {
			t.Errorf("%d %s events; want %d", cats[cat], cat, n)
		}
	}
	if len(tracks) != 60 {
		t.Errorf("%d tracks; want one per request of each code, 60", len(tracks))
	}
}

func TestWriteNewNeverOverwrites(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	name := filepath.Join(dir, "t.json")
	if err := CheckNew(name); err != nil {
		t.Fatalf("CheckNew(a new name) = %v", err)
	}
	write := func(w io.Writer) error { _, err := io.WriteString(w, "trace"); return err }
	if err := WriteNew(name, write); err != nil {
		t.Fatal(err)
	}
	if err := CheckNew(name); err == nil {
		t.Error("CheckNew(an existing file) = nil; want an error")
	}
	if err := WriteNew(name, func(w io.Writer) error { _, err := io.WriteString(w, "other"); return err }); err == nil {
		t.Error("WriteNew over an existing file = nil; want an error")
	}
	if err := WriteNew(filepath.Join(dir, "half"), func(io.Writer) error { return errors.New("disk full") }); err == nil {
		t.Error("WriteNew with a failing write = nil; want its error")
	}
	if err := CheckNew(filepath.Join(dir, "nowhere", "t.json")); err == nil {
		t.Error("CheckNew(in a missing folder) = nil; want an error")
	}
	entries, _ := os.ReadDir(dir)
	if data, _ := os.ReadFile(name); string(data) != "trace" || len(entries) != 1 {
		t.Errorf("file %q, %d entries in the folder; want the first trace alone, no temporary files", data, len(entries))
	}
}

// TestSecondRequestWaits: under a shared gate (a slot per attempt) the
// second request of a code waits for its own slot, and the trace shows that
// wait on its track; under a pool (one slot for the code) it does not.
func TestSecondRequestWaits(t *testing.T) {
	t.Parallel()
	for _, gated := range []bool{true, false} {
		r := &Recorder{Slots: 1}
		t0 := time.Now()
		at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
		r.Observe(engine.Event{Kind: engine.Queued, CC: "BR", At: t0})
		for i, url := range []string{"http://t/br/br.gif", "http://t/br/metadata.json"} {
			if gated || i == 0 {
				r.Observe(engine.Event{Kind: engine.SlotTaken, CC: "BR", At: at(100 * i)})
			}
			r.Observe(engine.Event{Kind: engine.AttemptStart, CC: "BR", At: at(100 * i), URL: url, N: 1})
			r.Observe(engine.Event{Kind: engine.AttemptDone, CC: "BR", At: at(100*i + 100), URL: url, N: 1,
				Attempt: fetch.Attempt{URL: url, N: 1, Start: at(100 * i), Latency: 100 * time.Millisecond, Status: 200}})
			if gated {
				r.Observe(engine.Event{Kind: engine.SlotFreed, CC: "BR", At: at(100*i + 100)})
			}
		}
		r.Observe(engine.Event{Kind: engine.Done, CC: "BR", At: at(200), Result: report.Result{CC: "BR"}})
		var b bytes.Buffer
		if err := r.WriteJSON(&b); err != nil {
			t.Fatal(err)
		}
		waits := strings.Count(b.String(), `"cat":"queue","pid":1,"tid":2`)
		if want := map[bool]int{true: 1, false: 0}[gated]; waits != want {
			t.Errorf("gated %v: %d waits on the second request's track; want %d", gated, waits, want)
		}
	}
}
