package engine

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"flagsuite/common/fetch"
	"flagsuite/common/report"
	"flagsuite/common/store"
	"flagsuite/common/strategy"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// slowServer answers without a network after a wait that depends on the
// code: Y codes get 503 (retried), X codes 404, the rest 200.
func slowServer(r *http.Request) (*http.Response, error) {
	cc := strings.ToUpper(r.URL.Path[1:3])
	time.Sleep(time.Duration(10+int(cc[1]-'A')*3) * time.Millisecond)
	code := map[byte]int{'X': 404, 'Y': 503}[cc[0]]
	if code == 0 {
		code = 200
	}
	return &http.Response{StatusCode: code, Status: strconv.Itoa(code), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{}, ContentLength: 3, Body: io.NopCloser(strings.NewReader("GIF")), Request: r}, nil
}

func getTask(client *fetch.Client) Task {
	return func(ctx context.Context, cc string, gate fetch.Gate) Outcome {
		resp, err := client.Get(ctx, "http://flags.test/"+strings.ToLower(cc)+"/x.gif", gate)
		r := report.Result{CC: cc, Status: report.OK, File: cc + ".gif", Attempts: resp.Attempts, Latency: resp.Latency}
		switch {
		case fetch.IsNotFound(err):
			r.Status, r.File = report.NotFound, ""
		case err != nil:
			r.Status, r.File, r.Err = report.Error, "", err
		default:
			return Outcome{Result: r, Save: resp.Body}
		}
		return Outcome{Result: r}
	}
}

// TestEventStream checks the stream of an observed run with each strategy:
// every code is queued once and done once, its Done last; slots held never
// exceed the concurrency; attempts happen inside a slot; the gauges end
// at rest and count the same results the handler got.
func TestEventStream(t *testing.T) {
	t.Parallel()
	var codes []string
	for _, a := range "ABXY" {
		for _, b := range "ABCDEFGHIJ" {
			codes = append(codes, string(a)+string(b))
		}
	}
	for _, st := range strategy.All {
		t.Run(string(st), func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				const m = 4
				n := m
				if st == strategy.Sequential {
					n = 1
				}
				client := fetch.New(fetch.Config{Transport: roundTripFunc(slowServer), Retries: 1,
					BackoffBase: 5 * time.Millisecond, BackoffCap: 5 * time.Millisecond})
				var g Gauges
				g.Slots = m
				seen := map[string][]Kind{}
				held := map[string]int{}
				maxHeld, maxInFlight, ticks := 0, 0, 0
				observe := func(e Event) {
					g.Apply(e)
					maxHeld, maxInFlight = max(maxHeld, g.Held), max(maxInFlight, g.InFlight)
					switch e.Kind {
					case Tick:
						ticks++
						return
					case SlotTaken:
						held[e.CC]++
					case SlotFreed:
						held[e.CC]--
					case AttemptStart, AttemptDone:
						if held[e.CC] == 0 {
							t.Errorf("%s: %v outside a slot", e.CC, e.Kind)
						}
					}
					seen[e.CC] = append(seen[e.CC], e.Kind)
				}
				var tally report.Tally
				pool := store.NewPool(2)
				Run(context.Background(), Config{Strategy: st, Concurrency: m, Dest: t.TempDir(), Writers: pool,
					Observe: observe, Tick: 50 * time.Millisecond}, codes, getTask(client), tally.Add)
				pool.Close()

				if maxHeld > n || maxInFlight > n {
					t.Errorf("at most %d slots held and %d attempts in flight; want at most %d", maxHeld, maxInFlight, n)
				}
				if ticks == 0 {
					t.Error("no Tick events")
				}
				for _, cc := range codes {
					kinds := seen[cc]
					if len(kinds) < 2 || kinds[0] != Queued || kinds[len(kinds)-1] != Done || count(kinds, Done) != 1 {
						t.Errorf("%s: events %v; want Queued first and one Done last", cc, kinds)
					}
					if cc[0] == 'Y' && count(kinds, BackoffStart) != 1 {
						t.Errorf("%s: events %v; want one backoff", cc, kinds)
					}
					if cc[0] != 'X' && cc[0] != 'Y' && (count(kinds, WriteQueued) != 1 || count(kinds, WriteStarted) != 1 ||
						count(kinds, WriteDone) != 1 || !inOrder(kinds, WriteQueued, WriteStarted, WriteDone)) {
						t.Errorf("%s: events %v; want a write queued, started and done, in that order", cc, kinds)
					}
				}
				if g.Waiting != 0 || g.Held != 0 || g.InFlight != 0 || g.BackingOff != 0 || g.WritesQueued != 0 || g.Writing != 0 {
					t.Errorf("gauges at the end %+v; want all at rest", g)
				}
				for s := report.OK; s < report.NumStatuses; s++ {
					if g.Counts[s] != tally.Count(s) {
						t.Errorf("gauges count %d %v; the handler got %d", g.Counts[s], s, tally.Count(s))
					}
				}
				if g.Retries != tally.Retries() || g.Retries != 10 {
					t.Errorf("gauges count %d retries, the results %d; want 10", g.Retries, tally.Retries())
				}
			})
		})
	}
}

func count(kinds []Kind, k Kind) int {
	n := 0
	for _, x := range kinds {
		if x == k {
			n++
		}
	}
	return n
}

// inOrder reports whether the kinds ks appear in kinds in that order.
func inOrder(kinds []Kind, ks ...Kind) bool {
	for _, k := range kinds {
		if len(ks) > 0 && k == ks[0] {
			ks = ks[1:]
		}
	}
	return len(ks) == 0
}
