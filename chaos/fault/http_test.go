package fault

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"flagsuite/chaos/wire"
)

func synctestRun(t *testing.T, f func(t *testing.T)) { synctest.Test(t, f) }

// fakeExchange records what a fault asked of the exchange; Pass "relays" a
// fixed response through the installed filters and writer wrappers.
type fakeExchange struct {
	req      wire.Request
	rand     *rand.Rand
	body     string // what the backend would send
	replied  int
	header   http.Header
	passed   int
	forwards int
	closed   bool
	reset    bool
	hung     time.Duration
	skipped  bool
	notes    []slog.Attr
	filters  []BodyFilter
	wrappers []func(io.Writer) io.Writer
	out      bytes.Buffer // what the client got from Pass
}

func newFakeExchange() *fakeExchange {
	return &fakeExchange{
		req:  wire.Request{Method: "GET", Target: "/flags/br/br.gif?x=1", Host: "h"},
		rand: rand.New(rand.NewPCG(7, 7)),
		body: strings.Repeat("x", 1000),
	}
}

func (x *fakeExchange) Request() *wire.Request { return &x.req }
func (x *fakeExchange) RemoteAddr() string     { return "127.0.0.1:5000" }
func (x *fakeExchange) Rand() *rand.Rand       { return x.rand }
func (x *fakeExchange) Pass(ctx context.Context) error {
	x.passed++
	resp := &wire.Response{Status: 200, Mode: wire.Length, Length: int64(len(x.body))}
	var body io.Reader = strings.NewReader(x.body)
	for _, f := range x.filters {
		body = f(resp, body)
	}
	var w io.Writer = &x.out
	for _, wrap := range x.wrappers {
		w = wrap(w)
	}
	_, err := io.Copy(w, body)
	return err
}
func (x *fakeExchange) Forward(ctx context.Context) (*wire.Response, error) {
	x.forwards++
	return &wire.Response{Status: 200}, nil
}
func (x *fakeExchange) Reply(status int, h http.Header, body string) error {
	x.replied, x.header = status, h
	return nil
}
func (x *fakeExchange) Hang(ctx context.Context, max time.Duration) error {
	x.hung = max
	return nil
}
func (x *fakeExchange) Close() error                           { x.closed = true; return nil }
func (x *fakeExchange) Reset() error                           { x.reset = true; return nil }
func (x *fakeExchange) FilterBody(f BodyFilter)                { x.filters = append(x.filters, f) }
func (x *fakeExchange) WrapWriter(f func(io.Writer) io.Writer) { x.wrappers = append(x.wrappers, f) }
func (x *fakeExchange) Skip()                                  { x.skipped = true }
func (x *fakeExchange) Note(attrs ...slog.Attr)                { x.notes = append(x.notes, attrs...) }

// serve builds the single fault of a one-bucket list and runs it; the
// request passes (x.Pass) after it if it calls next.
func serve(t *testing.T, name string, opts map[string]string, x *fakeExchange) error {
	t.Helper()
	ts, err := Buckets([]Config{{Name: name, Percent: 100, Options: opts}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSet(HTTP, ts)
	if err != nil {
		t.Fatal(err)
	}
	pass := func(ctx context.Context, x Exchange) error { return x.Pass(ctx) }
	return s.Built()[0].HTTP[0].Serve(context.Background(), x, pass)
}

func TestDelayFault(t *testing.T) {
	t.Parallel()
	synctestRun(t, func(t *testing.T) {
		x := newFakeExchange()
		start := time.Now()
		if err := serve(t, "delay", map[string]string{"sleep": ".5"}, x); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got != 500*time.Millisecond || x.passed != 1 {
			t.Errorf("delay .5: waited %v and passed %d; want 500ms and 1", got, x.passed)
		}
	})
}

func TestDelayJitter(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 1))
	for _, normal := range []bool{false, true} {
		d := Delay{Sleep: time.Second, Jitter: 200 * time.Millisecond, Normal: normal}
		var sum time.Duration
		for range 2000 {
			w := d.Duration(r)
			if w < 0 || !normal && (w < 800*time.Millisecond || w > 1200*time.Millisecond) {
				t.Fatalf("Duration() = %v; want within 1s±200ms", w)
			}
			sum += w
		}
		if mean := sum / 2000; mean < 980*time.Millisecond || mean > 1020*time.Millisecond {
			t.Errorf("normal=%v: mean wait %v; want about 1s", normal, mean)
		}
	}
}

func TestDelayCancelled(t *testing.T) {
	t.Parallel()
	synctestRun(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		x := newFakeExchange()
		err := (&Delay{Sleep: time.Hour}).Serve(ctx, x, func(context.Context, Exchange) error { return x.Pass(ctx) })
		if err == nil || x.passed != 0 {
			t.Errorf("cancelled delay = %v, passed %d; want an error and no pass", err, x.passed)
		}
	})
}

func TestErrorFault(t *testing.T) {
	t.Parallel()
	seen := map[int]bool{}
	for range 200 {
		x := newFakeExchange()
		x.rand = rand.New(rand.NewPCG(uint64(len(seen)), rand.Uint64()))
		if err := serve(t, "error", nil, x); err != nil {
			t.Fatal(err)
		}
		if x.replied < 500 || x.replied > 503 || x.passed != 0 {
			t.Fatalf("error: replied %d, passed %d; want 500-503 and no pass", x.replied, x.passed)
		}
		seen[x.replied] = true
	}
	if len(seen) != 4 {
		t.Errorf("statuses drawn %v; want all of 500-503", seen)
	}
	x := newFakeExchange()
	if err := serve(t, "error", map[string]string{"status": "429", "retry-after": "1.5"}, x); err != nil {
		t.Fatal(err)
	}
	if x.replied != 429 || x.header.Get("Retry-After") != "2" {
		t.Errorf("error 429 retry-after 1.5: got %d, Retry-After %q; want 429, 2", x.replied, x.header.Get("Retry-After"))
	}
}

func TestTerminalFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		opts  map[string]string
		check func(x *fakeExchange) bool
	}{
		{"hang", map[string]string{"max": "3"}, func(x *fakeExchange) bool { return x.hung == 3*time.Second && x.passed == 0 }},
		{"blackout", nil, func(x *fakeExchange) bool { return x.closed && x.passed == 0 && x.forwards == 0 }},
		{"abort", nil, func(x *fakeExchange) bool { return x.closed && x.forwards == 1 && x.passed == 0 }},
		{"reset", nil, func(x *fakeExchange) bool { return x.reset && x.passed == 0 && x.forwards == 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := newFakeExchange()
			if err := serve(t, tt.name, tt.opts, x); err != nil {
				t.Fatal(err)
			}
			if !tt.check(x) {
				t.Errorf("%s: exchange %+v", tt.name, x)
			}
		})
	}
}

func TestTruncateFault(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		opts map[string]string
		want int
	}{
		{nil, 500},
		{map[string]string{"fraction": "10%"}, 100},
		{map[string]string{"bytes": "7"}, 7},
	} {
		x := newFakeExchange()
		if err := serve(t, "truncate", tt.opts, x); err != nil {
			t.Fatal(err)
		}
		if x.out.Len() != tt.want {
			t.Errorf("truncate %v: client got %d bytes; want %d", tt.opts, x.out.Len(), tt.want)
		}
	}
	unknown := &Truncate{Fraction: .5}
	if got := unknown.Keep(&wire.Response{Mode: wire.Chunked}); got != unknownLengthKeep {
		t.Errorf("Keep(chunked) = %d; want %d", got, unknownLengthKeep)
	}
}

func TestSlowFault(t *testing.T) {
	t.Parallel()
	synctestRun(t, func(t *testing.T) {
		x := newFakeExchange()
		x.body = strings.Repeat("x", 10_000)
		start := time.Now()
		if err := serve(t, "slow", map[string]string{"rate": "1000"}, x); err != nil {
			t.Fatal(err)
		}
		// 10 000 bytes at 1000 B/s in 100-byte slices: the last slice
		// leaves at 9.9 s.
		if got := time.Since(start); got != 9900*time.Millisecond || x.out.Len() != 10_000 {
			t.Errorf("slow 1000 B/s: %d bytes in %v; want 10000 in 9.9s", x.out.Len(), got)
		}
	})
}

func TestTransientFault(t *testing.T) {
	t.Parallel()
	s, err := NewSet(HTTP, []Toxic{{Type: "transient", Toxicity: 1, Attributes: Attributes{"count": 2}}})
	if err != nil {
		t.Fatal(err)
	}
	pass := func(ctx context.Context, x Exchange) error { return x.Pass(ctx) }
	h := func(ctx context.Context, x Exchange) error { return s.Built()[0].HTTP[0].Serve(ctx, x, pass) }
	var got []int
	for _, target := range []string{"/a", "/a?x", "/b", "/a", "/b", "/b"} {
		x := newFakeExchange()
		x.req.Target = target
		if err := h(context.Background(), x); err != nil {
			t.Fatal(err)
		}
		if x.skipped != (x.replied == 0) {
			t.Fatalf("%s: skipped=%v but replied %d", target, x.skipped, x.replied)
		}
		got = append(got, x.replied)
	}
	// /a fails twice (its query does not make it another key), /b twice,
	// then both pass.
	want := []int{503, 503, 503, 0, 503, 0}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("transient count 2 replies = %v; want %v", got, want)
		}
	}
}
