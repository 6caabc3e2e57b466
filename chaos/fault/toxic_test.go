package fault

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestBucketsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfgs []Config
		want string // part of the message
	}{
		{"over 100", []Config{{Name: "error", Percent: 60}, {Name: "delay", Percent: 50}}, "add up to 110"},
		{"negative", []Config{{Name: "error", Percent: -1}}, "out of 0-100"},
		{"unknown", []Config{{Name: "explode", Percent: 1}}, `unknown fault "explode"`},
		{"twice", []Config{{Name: "error", Percent: 1}, {Name: "ERROR", Percent: 1}}, "listed twice"},
		{"unknown option", []Config{{Name: "delay", Percent: 1, Options: map[string]string{"nap": "1"}}}, `no option "nap"`},
		{"option of another fault", []Config{{Name: "delay", Percent: 1, Options: map[string]string{"error.status": "500"}}}, "not in delay"},
		{"empty name", []Config{{Name: "delay+", Percent: 1}}, "empty fault name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Buckets(tt.cfgs)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Buckets(%v) = %v; want an error containing %q", tt.cfgs, err, tt.want)
			}
		})
	}
}

func TestNewSetErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		proto  Protocol
		toxics []Toxic
		want   string
	}{
		{"unknown type", Any, []Toxic{{Type: "explode", Toxicity: 1}}, "invalid toxic type"},
		{"no type", Any, []Toxic{{Toxicity: 1}}, "needs a type"},
		{"bad stream", Any, []Toxic{{Type: "latency", Stream: "sideways"}}, "stream was invalid"},
		{"toxicity", Any, []Toxic{{Type: "latency", Toxicity: 1.5}}, "out of 0-1"},
		{"wrong protocol", HTTP, []Toxic{{Type: "latency"}}, "tcp toxic"},
		{"wrong protocol tcp", TCP, []Toxic{{Type: "error"}}, "http toxic"},
		{"mixed", Any, []Toxic{{Type: "error"}, {Type: "latency"}}, "not both"},
		{"unknown attribute", Any, []Toxic{{Type: "latency", Attributes: Attributes{"nap": 1}}}, `no attribute "nap"`},
		{"bad value", Any, []Toxic{{Type: "delay", Attributes: Attributes{"sleep": "soon"}}}, "delay sleep"},
		{"negative", Any, []Toxic{{Type: "latency", Attributes: Attributes{"latency": -5}}}, "negative"},
		{"bool", Any, []Toxic{{Type: "latency", Attributes: Attributes{"latency": true}}}, "number or a string"},
		{"group over 1", Any, []Toxic{{Name: "a", Type: "error", Toxicity: .6, Group: "g"}, {Name: "b", Type: "delay", Toxicity: .5, Group: "g"}}, "over 1"},
		{"zero slow rate", Any, []Toxic{{Type: "slow", Attributes: Attributes{"rate": "0"}}}, "more than 0"},
		{"protocol", "udp", nil, "unknown protocol"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewSet(tt.proto, tt.toxics)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewSet(%v) = %v; want an error containing %q", tt.toxics, err, tt.want)
			}
		})
	}
	if _, err := NewSet(Any, []Toxic{{Type: "latency"}, {Type: "latency"}}); !errors.Is(err, ErrExists) {
		t.Errorf("two latency_downstream = %v; want ErrExists", err)
	}
	many := make([]Toxic, MaxToxics+1)
	for i := range many {
		many[i] = Toxic{Name: strings.Repeat("x", i+1), Type: "noop"}
	}
	if _, err := NewSet(Any, many); err == nil {
		t.Errorf("%d toxics accepted; want at most %d", len(many), MaxToxics)
	}
}

// A toxic shows as Toxiproxy shows it: default name <type>_<stream>, its
// stream spelt out, Toxiproxy's own attributes as numbers in its units
// (0 when left out, as toxiproxy-server does), chaos's as strings.
func TestToxicCanonical(t *testing.T) {
	t.Parallel()
	s, err := NewSet(Any, []Toxic{
		{Type: "latency", Stream: "up", Toxicity: 1, Attributes: Attributes{"latency": 300.0}},
		{Type: "slicer", Attributes: Attributes{"average_size": 10, "delay": "1ms"}},
		{Type: "bandwidth", Attributes: Attributes{"rate": 100}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := s.Toxics()
	want := []Toxic{
		{Name: "latency_upstream", Type: "latency", Stream: "upstream", Toxicity: 1, Attributes: Attributes{"latency": int64(300), "jitter": int64(0)}},
		{Name: "slicer_downstream", Type: "slicer", Stream: "downstream", Attributes: Attributes{"average_size": int64(10), "size_variation": int64(0), "delay": int64(1000)}},
		{Name: "bandwidth_downstream", Type: "bandwidth", Stream: "downstream", Attributes: Attributes{"rate": int64(100)}},
	}
	for i := range want {
		if !sameToxic(ts[i], want[i]) {
			t.Errorf("toxic %d = %+v; want %+v", i, ts[i], want[i])
		}
	}
	if l := s.Built()[0].TCP[0].(*Latency); l.Latency != 300*time.Millisecond {
		t.Errorf("latency 300 (ms) built %v", l.Latency)
	}
	if b := s.Built()[2].TCP[0].(*Bandwidth); b.Rate != 100_000 {
		t.Errorf("rate 100 (KB/s) built %d B/s; want 100000", b.Rate)
	}
	h, err := NewSet(Any, []Toxic{{Type: "error", Toxicity: .25, Attributes: Attributes{"status": 503}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Toxics()[0]; got.Name != "error_downstream" || got.Attributes["status"] != "503" || got.Attributes["retry_after"] != "0" || h.Protocol() != HTTP {
		t.Errorf("error toxic = %+v on %s; want status \"503\", retry_after \"0\" (the default), on http", got, h.Protocol())
	}
}

func sameToxic(a, b Toxic) bool {
	if a.Name != b.Name || a.Type != b.Type || a.Stream != b.Stream || a.Toxicity != b.Toxicity || len(a.Attributes) != len(b.Attributes) {
		return false
	}
	for k, v := range b.Attributes {
		if a.Attributes[k] != v {
			return false
		}
	}
	return true
}

// Each toxic draws its own chance; the toxics of a group share one draw
// and take slices of it, so --behavior's buckets stay exclusive.
func TestFires(t *testing.T) {
	t.Parallel()
	ts, err := Buckets([]Config{{Name: "error", Percent: 25}, {Name: "delay", Percent: 50}})
	if err != nil {
		t.Fatal(err)
	}
	ts = append(ts, Toxic{Name: "own", Type: "truncate", Toxicity: .5})
	s, err := NewSet(HTTP, ts)
	if err != nil {
		t.Fatal(err)
	}
	b := s.Built()
	r := rand.New(rand.NewPCG(1, 2))
	const n = 100_000
	var errs, delays, both, own, ownWithError int
	for range n {
		u := r.Uint64()
		e, d, o := b[0].Fires(u), b[1].Fires(u), b[2].Fires(u)
		if e {
			errs++
		}
		if d {
			delays++
		}
		if e && d {
			both++
		}
		if o {
			own++
			if e {
				ownWithError++
			}
		}
	}
	for _, c := range []struct {
		name string
		got  int
		want float64
	}{{"error", errs, .25}, {"delay", delays, .5}, {"own", own, .5}, {"own and error", ownWithError, .125}} {
		if f := float64(c.got) / n; f < c.want-.01 || f > c.want+.01 {
			t.Errorf("share of %s = %.3f; want %.3f±0.01", c.name, f, c.want)
		}
	}
	if both != 0 {
		t.Errorf("error and delay of one group fired together %d times; want never", both)
	}
}

func TestBucketComposition(t *testing.T) {
	t.Parallel()
	ts, err := Buckets([]Config{{Name: "delay+error", Percent: 100, Options: map[string]string{
		"delay.sleep": "0.25", "status": "418"}}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSet(HTTP, ts)
	if err != nil {
		t.Fatal(err)
	}
	b := s.Built()[0]
	if b.Name != "delay+error" || len(b.HTTP) != 2 {
		t.Fatalf("toxic %q with %d faults; want delay+error with 2", b.Name, len(b.HTTP))
	}
	synctestRun(t, func(t *testing.T) {
		x := newFakeExchange()
		start := time.Now()
		next := func(ctx context.Context, x Exchange) error { return b.HTTP[1].Serve(ctx, x, nil) }
		if err := b.HTTP[0].Serve(context.Background(), x, next); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got != 250*time.Millisecond {
			t.Errorf("composed delay took %v; want 250ms", got)
		}
		if x.replied != 418 {
			t.Errorf("replied %d; want 418", x.replied)
		}
	})
}

func TestSetChanges(t *testing.T) {
	t.Parallel()
	s, _ := NewSet(Any, []Toxic{{Type: "latency", Toxicity: 1, Attributes: Attributes{"latency": 100}}})
	tox := 0.5
	u, err := s.Update("latency_downstream", Attributes{"jitter": 10}, &tox)
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Toxics()[0]; got.Attributes["latency"] != int64(100) || got.Attributes["jitter"] != int64(10) || got.Toxicity != .5 {
		t.Errorf("after update: %+v; want latency kept, jitter 10, toxicity 0.5", got)
	}
	if _, err := s.Update("nope", nil, nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("Update(nope) = %v; want ErrNotFound", err)
	}
	if _, err := s.Add(Toxic{Type: "latency"}); !errors.Is(err, ErrExists) {
		t.Errorf("Add of a second latency_downstream = %v; want ErrExists", err)
	}
	r, err := u.Remove("latency_downstream")
	if err != nil || r.Len() != 0 {
		t.Errorf("Remove = %v, %d left", err, r.Len())
	}
	if _, err := r.Remove("latency_downstream"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second Remove = %v; want ErrNotFound", err)
	}
}

func TestKinds(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, k := range Kinds() {
		if seen[k.Name] {
			t.Errorf("kind %s registered twice", k.Name)
		}
		seen[k.Name] = true
		// Every kind must build from its defaults alone.
		if _, err := k.build(nil); err != nil {
			t.Errorf("%s with default options: %v", k.Name, err)
		}
	}
	for _, name := range []string{"delay", "error", "hang", "blackout", "abort", "reset", "truncate", "slow", "transient",
		"latency", "bandwidth", "slicer", "limit_data", "slow_close", "timeout", "reset_peer", "noop"} {
		if !seen[name] {
			t.Errorf("kind %s missing", name)
		}
	}
	if k, ok := Lookup("Limit-Data"); !ok || k.Name != "limit_data" {
		t.Errorf("Lookup(Limit-Data) = %v, %v; want limit_data", k, ok)
	}
}
