package fault

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestNewPlanErrors(t *testing.T) {
	tests := []struct {
		name  string
		proto Protocol
		cfgs  []Config
		want  string // part of the message
	}{
		{"over 100", HTTP, []Config{{Name: "error", Percent: 60}, {Name: "delay", Percent: 50}}, "add up to 110"},
		{"negative", HTTP, []Config{{Name: "error", Percent: -1}}, "out of 0-100"},
		{"unknown", HTTP, []Config{{Name: "explode", Percent: 1}}, `unknown fault "explode"`},
		{"wrong protocol", HTTP, []Config{{Name: "latency", Percent: 1}}, "tcp fault"},
		{"wrong protocol tcp", TCP, []Config{{Name: "error", Percent: 1}}, "http fault"},
		{"twice", HTTP, []Config{{Name: "error", Percent: 1}, {Name: "ERROR", Percent: 1}}, "listed twice"},
		{"unknown option", HTTP, []Config{{Name: "delay", Percent: 1, Options: map[string]string{"nap": "1"}}}, `no option "nap"`},
		{"bad value", HTTP, []Config{{Name: "delay", Percent: 1, Options: map[string]string{"sleep": "soon"}}}, "delay sleep"},
		{"option of another fault", HTTP, []Config{{Name: "delay", Percent: 1, Options: map[string]string{"error.status": "500"}}}, "not in delay"},
		{"empty name", HTTP, []Config{{Name: "delay+", Percent: 1}}, "empty fault name"},
		{"zero rate", HTTP, []Config{{Name: "slow", Percent: 1, Options: map[string]string{"rate": "0"}}}, "more than 0"},
		{"protocol", "udp", nil, "unknown protocol"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewPlan(tt.proto, tt.cfgs)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewPlan(%v) = %v; want an error containing %q", tt.cfgs, err, tt.want)
			}
		})
	}
}

func TestPlanPick(t *testing.T) {
	p, err := NewPlan(HTTP, []Config{{Name: "error", Percent: 25}, {Name: "delay", Percent: 50}})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	counts := map[string]int{}
	const n = 100_000
	for range n {
		name := "pass"
		if b := p.Pick(r.Uint64()); b != nil {
			name = b.Name
		}
		counts[name]++
	}
	for name, want := range map[string]float64{"error": .25, "delay": .50, "pass": .25} {
		if got := float64(counts[name]) / n; got < want-.01 || got > want+.01 {
			t.Errorf("share of %s = %.3f; want %.2f±0.01", name, got, want)
		}
	}
	if b := p.Pick(0); b == nil || b.Name != "error" {
		t.Errorf("Pick(0) = %v; want the first bucket", b)
	}
	if b := p.Pick(^uint64(0)); b != nil {
		t.Errorf("Pick(max) = %v; want nil (pass)", b.Name)
	}
	var empty *Plan
	if empty.Pick(0) != nil || !empty.Empty() {
		t.Errorf("a nil plan must pass everything")
	}
}

func TestPlanComposition(t *testing.T) {
	p, err := NewPlan(HTTP, []Config{{Name: "delay+error", Percent: 100, Options: map[string]string{
		"delay.sleep": "0.25", "status": "418"}}})
	if err != nil {
		t.Fatal(err)
	}
	b := p.Pick(0)
	if b.Name != "delay+error" {
		t.Fatalf("bucket %q; want delay+error", b.Name)
	}
	synctestRun(t, func(t *testing.T) {
		x := newFakeExchange()
		start := time.Now()
		if err := b.Handler(context.Background(), x); err != nil {
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

func TestPlanWithout(t *testing.T) {
	p, _ := NewPlan(HTTP, []Config{{Name: "error", Percent: 25}, {Name: "delay", Percent: 50}})
	rest, err := p.Without("error")
	if err != nil || len(rest) != 1 || rest[0].Name != "delay" {
		t.Errorf("Without(error) = %v, %v; want [delay]", rest, err)
	}
	if _, err := p.Without("hang"); err == nil {
		t.Errorf("Without(hang) = nil error; want ErrNotFound")
	}
}

func TestKinds(t *testing.T) {
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
		"latency", "bandwidth", "slicer", "limit_data", "slow_close", "timeout", "reset_peer"} {
		if !seen[name] {
			t.Errorf("kind %s missing", name)
		}
	}
	if k, ok := Lookup("Limit-Data"); !ok || k.Name != "limit_data" {
		t.Errorf("Lookup(Limit-Data) = %v, %v; want limit_data", k, ok)
	}
}
