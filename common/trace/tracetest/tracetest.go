// Package tracetest checks a trace written by trace.WriteJSON against the
// JSON report of the same run, from the trace alone: the rules of Perfetto's
// JSON importer, the concurrency bound, and that the trace and the report
// tell the same story.
package tracetest

import (
	"cmp"
	"encoding/json"
	"math"
	"slices"
	"testing"

	"flagsuite/common/report"
)

// Event is one trace event as a viewer reads it.
type Event struct {
	Ph   string         `json:"ph"`
	Name string         `json:"name"`
	Cat  string         `json:"cat"`
	Pid  *int           `json:"pid"`
	Tid  *int           `json:"tid"`
	Ts   *float64       `json:"ts"`
	Dur  *float64       `json:"dur"`
	Args map[string]any `json:"args"`
}

// Parse decodes a trace and checks what every event must have: ph, ts, pid
// and tid, and dur on complete events.
func Parse(t testing.TB, data []byte) []Event {
	t.Helper()
	var doc struct {
		TraceEvents []Event `json:"traceEvents"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("the trace is not JSON: %v", err)
	}
	for i, e := range doc.TraceEvents {
		if e.Ph == "" || e.Ts == nil || e.Pid == nil || e.Tid == nil || e.Ph == "X" && e.Dur == nil {
			t.Fatalf("event %d %+v lacks ph, ts, pid, tid or (X) dur", i, e)
		}
	}
	return doc.TraceEvents
}

func (e Event) str(k string) string { s, _ := e.Args[k].(string); return s }
func (e Event) num(k string) float64 {
	f, _ := e.Args[k].(float64)
	return f
}

// Check checks a parsed trace against the run's report, made with
// concurrency slots (the JSON report's concurrency):
//   - http events in flight at once never exceed slots;
//   - every requested code has exactly one result, equal to the report's
//     status;
//   - a code's http durations add up to its latency_ms within 1 ms;
//   - the http events on a new connection are as many as connections.new;
//   - every attempt after the first follows a backoff of the same request.
func Check(t testing.TB, events []Event, rep report.JSON) {
	t.Helper()
	type edge struct {
		at    float64
		delta int
	}
	var edges []edge
	httpMS := map[string]float64{}
	results := map[string][]string{}
	newConns := 0
	byTrack := map[int][]Event{}
	for _, e := range events {
		switch {
		case e.Ph == "X" && e.Cat == "http":
			edges = append(edges, edge{*e.Ts, 1}, edge{*e.Ts + *e.Dur, -1})
			httpMS[e.str("cc")] += *e.Dur / 1000
			if e.str("conn") == "new" {
				newConns++
			}
			byTrack[*e.Tid] = append(byTrack[*e.Tid], e)
		case e.Ph == "X" && e.Cat == "backoff": // waits for a slot between the two are not collected
			byTrack[*e.Tid] = append(byTrack[*e.Tid], e)
		case e.Ph == "i" && e.Cat == "result":
			results[e.str("cc")] = append(results[e.str("cc")], e.str("status"))
		}
	}
	// Ends before starts at the same instant: a slot given back and taken
	// again at once is not two in flight.
	slices.SortFunc(edges, func(a, b edge) int {
		return cmp.Or(cmp.Compare(a.at, b.at), a.delta-b.delta)
	})
	inFlight, peak := 0, 0
	for _, e := range edges {
		inFlight += e.delta
		peak = max(peak, inFlight)
	}
	if peak > rep.Concurrency {
		t.Errorf("%d http events in flight at once; want at most -m = %d", peak, rep.Concurrency)
	}
	if len(results) != len(rep.Results) {
		t.Errorf("the trace has results for %d codes; the report for %d", len(results), len(rep.Results))
	}
	for _, r := range rep.Results {
		if got := results[r.CC]; len(got) != 1 || got[0] != r.Status {
			t.Errorf("%s: trace results %v; want one, %q as in the report", r.CC, got, r.Status)
		}
		if d := math.Abs(httpMS[r.CC] - r.LatencyMS); d > 1 {
			t.Errorf("%s: http events add up to %.3f ms; the report says latency %.3f ms", r.CC, httpMS[r.CC], r.LatencyMS)
		}
	}
	if int64(newConns) != rep.Connections.New {
		t.Errorf("%d http events on a new connection; the report says %d opened", newConns, rep.Connections.New)
	}
	retries := 0
	for _, evs := range byTrack {
		slices.SortStableFunc(evs, func(a, b Event) int {
			return cmp.Compare(*a.Ts, *b.Ts)
		})
		for i, e := range evs {
			n := int(e.num("attempt"))
			if e.Cat != "http" || n < 2 {
				continue
			}
			retries++
			var prev *Event
			for j := i - 1; j >= 0; j-- {
				if evs[j].str("url") == e.str("url") {
					prev = &evs[j]
					break
				}
			}
			if prev == nil || prev.Cat != "backoff" || int(prev.num("next_attempt")) != n || *prev.Ts+*prev.Dur > *e.Ts+0.001 {
				t.Errorf("%s attempt %d of %s: not right after a backoff for it (before it: %+v)",
					e.str("cc"), n, e.str("url"), prev)
			}
		}
	}
	if retries < rep.Retries { // flags3 counts a code's retries once, the trace each request's

		t.Errorf("%d retried attempts in the trace; the report counts %d", retries, rep.Retries)
	}
}
