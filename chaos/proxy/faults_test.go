package proxy

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Each HTTP fault against an in-process backend on port 0. Timing bounds
// are generous (tests run under -race on small machines); exact timing is
// checked under testing/synctest in synctest_test.go and in package fault.

func TestFaultDelay(t *testing.T) {
	t.Parallel()
	b := newBackend(t)
	p := start(t, Config{Backend: b.addr(), Tag: true, Faults: faults(oneFault("delay", 100, "sleep", ".05"))})
	rc := dialRaw(t, p.Addr().String())
	for range 3 {
		start := time.Now()
		resp, got, err := rc.get("/size/1000")
		elapsed := time.Since(start)
		if err != nil || resp.StatusCode != 200 || string(got) != string(body(1000)) {
			t.Fatalf("GET = %v, %v; want 200 and the body", resp, err)
		}
		if elapsed < 50*time.Millisecond || elapsed > 3*time.Second {
			t.Errorf("delay .05 took %v; want at least 50ms", elapsed)
		}
		if resp.Header.Get("X-Chaos-Fault") != "delay" {
			t.Errorf("X-Chaos-Fault = %q; want delay", resp.Header.Get("X-Chaos-Fault"))
		}
	}
	if s := p.Stats(); s.Faults["delay"] != 3 || s.Statuses[200] != 3 {
		t.Errorf("Stats() = %+v; want 3 delays, 3×200", s)
	}
}

func TestFaultError(t *testing.T) {
	t.Parallel()
	b := newBackend(t)
	p := start(t, Config{Backend: b.addr(), Tag: true, Faults: faults(oneFault("error", 100, "status", "503", "retry-after", "2"))})
	rc := dialRaw(t, p.Addr().String())
	for range 3 { // the connection stays usable after an injected error
		resp, got, err := rc.get("/flags/br/br.gif")
		if err != nil || resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "2" || !strings.Contains(string(got), "injected") {
			t.Fatalf("GET = %v %q, %v; want 503 with Retry-After 2", resp, got, err)
		}
		if resp.Header.Get("X-Chaos-Fault") != "error" {
			t.Errorf("X-Chaos-Fault = %q; want error", resp.Header.Get("X-Chaos-Fault"))
		}
	}
	if b.hits.Load() != 0 {
		t.Errorf("backend saw %d requests; an error must not contact it", b.hits.Load())
	}
	if s := p.Stats(); s.Faults["error"] != 3 || s.Statuses[503] != 3 {
		t.Errorf("Stats() = %+v; want 3 errors, 3×503", s)
	}
}

func TestFaultErrorDefaultStatuses(t *testing.T) {
	t.Parallel()
	b := newBackend(t)
	p := startHTTP(t, b, oneFault("error", 100))
	rc := dialRaw(t, p.Addr().String())
	seen := map[int]bool{}
	for range 60 {
		resp, _, err := rc.get("/x")
		if err != nil || resp.StatusCode < 500 || resp.StatusCode > 503 {
			t.Fatalf("GET = %v, %v; want 500-503", resp, err)
		}
		seen[resp.StatusCode] = true
	}
	if len(seen) != 4 {
		t.Errorf("statuses %v; want each of 500-503", seen)
	}
}

func TestFaultHang(t *testing.T) {
	t.Parallel()
	b := newBackend(t)
	p := startHTTP(t, b, oneFault("hang", 100))
	c := client(t, 200*time.Millisecond)
	_, _, err := get(t, c, p.URL()+"/x")
	var ne interface{ Timeout() bool }
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("GET through hang = %v; want the client's timeout", err)
	}
	if b.hits.Load() != 0 {
		t.Errorf("backend saw %d requests; want none", b.hits.Load())
	}
	// The client leaving ends the hang: the proxy's goroutine must go.
	waitFor(t, func() bool { return p.Stats().Faults["hang"] == 1 }, "the hang to end when the client left")
}

func TestFaultHangMax(t *testing.T) {
	t.Parallel()
	b := newBackend(t)
	p := startHTTP(t, b, oneFault("hang", 100, "max", "0.1"))
	rc := dialRaw(t, p.Addr().String())
	start := time.Now()
	_, _, err := rc.get("/x")
	if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("GET through hang max .1 = %v; want the connection closed", err)
	}
	if d := time.Since(start); d < 100*time.Millisecond || d > 3*time.Second {
		t.Errorf("closed after %v; want about 100ms", d)
	}
}

func TestFaultBlackout(t *testing.T) {
	t.Parallel()
	b := newBackend(t)
	p := startHTTP(t, b, oneFault("blackout", 100))
	rc := dialRaw(t, p.Addr().String())
	_, _, err := rc.get("/x")
	if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("GET through blackout = %v; want EOF", err)
	}
	if b.hits.Load() != 0 {
		t.Errorf("backend saw %d requests; want none", b.hits.Load())
	}
}

func TestFaultAbort(t *testing.T) {
	t.Parallel()
	b := newBackend(t)
	p := startHTTP(t, b, oneFault("abort", 100))
	rc := dialRaw(t, p.Addr().String())
	_, _, err := rc.get("/x")
	if err == nil {
		t.Fatalf("GET through abort = nil error; want the connection dropped")
	}
	if b.hits.Load() != 1 {
		t.Errorf("backend saw %d requests; abort must forward the request", b.hits.Load())
	}
}

func TestFaultReset(t *testing.T) {
	t.Parallel()
	b := newBackend(t)
	p := startHTTP(t, b, oneFault("reset", 100))
	rc := dialRaw(t, p.Addr().String())
	_, _, err := rc.get("/x")
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("GET through reset = %v; want connection reset by peer", err)
	}
}

func TestFaultResetOnlyWhenDrawn(t *testing.T) {
	t.Parallel()
	// Toxiproxy resets every connection once reset_peer exists, even at
	// toxicity 0; here 0% means never.
	b := newBackend(t)
	p := startHTTP(t, b, oneFault("reset", 0))
	c := client(t, 5*time.Second)
	for range 20 {
		if status, _, err := get(t, c, p.URL()+"/x"); err != nil || status != 200 {
			t.Fatalf("GET at 0:reset = %d, %v; want 200", status, err)
		}
	}
}

func TestFaultTruncate(t *testing.T) {
	t.Parallel()
	b := newBackend(t)
	for _, tt := range []struct {
		opts []string
		want int
	}{
		{nil, 6144},
		{[]string{"bytes", "100"}, 100},
		{[]string{"fraction", "0"}, 0},
	} {
		p := startHTTP(t, b, oneFault("truncate", 100, tt.opts...))
		rc := dialRaw(t, p.Addr().String())
		resp, got, err := rc.get("/size/12288")
		if resp == nil || resp.StatusCode != 200 || !errors.Is(err, io.ErrUnexpectedEOF) || len(got) != tt.want {
			t.Errorf("truncate %v: %v, %d bytes, %v; want 200, %d bytes, unexpected EOF", tt.opts, resp, len(got), err, tt.want)
		}
		if string(got) != string(body(12288)[:len(got)]) {
			t.Errorf("truncate %v: the kept bytes differ from the body's start", tt.opts)
		}
	}
}

func TestFaultSlow(t *testing.T) {
	t.Parallel()
	b := newBackend(t)
	p := startHTTP(t, b, oneFault("slow", 100, "rate", "20k"))
	rc := dialRaw(t, p.Addr().String())
	start := time.Now()
	resp, got, err := rc.get("/size/10240")
	d := time.Since(start)
	if err != nil || resp.StatusCode != 200 || len(got) != 10240 {
		t.Fatalf("GET through slow = %v, %d bytes, %v", resp, len(got), err)
	}
	// About 10.3 KB at 20 KiB/s: half a second, in slices of 2 KiB.
	if d < 400*time.Millisecond || d > 5*time.Second {
		t.Errorf("10 KiB at 20 KiB/s took %v; want about 0.45s", d)
	}
}

func TestFaultTransient(t *testing.T) {
	t.Parallel()
	b := newBackend(t)
	p := startHTTP(t, b, oneFault("transient", 100, "count", "2"))
	rc := dialRaw(t, p.Addr().String())
	var got []int
	for _, path := range []string{"/a", "/b", "/a", "/a", "/b", "/b", "/a"} {
		resp, _, err := rc.get(path)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, resp.StatusCode)
	}
	want := []int{503, 503, 503, 200, 503, 200, 200}
	if !equalInts(got, want) {
		t.Errorf("statuses = %v; want %v", got, want)
	}
	if s := p.Stats(); s.Faults["transient"] != 4 {
		t.Errorf("Stats().Faults = %v; want 4 transient failures (passes are not faults)", s.Faults)
	}
}

func TestFaultComposition(t *testing.T) {
	t.Parallel()
	b := newBackend(t)
	p := startHTTP(t, b, oneFault("delay+truncate", 100, "delay.sleep", "0.02", "bytes", "10"))
	rc := dialRaw(t, p.Addr().String())
	start := time.Now()
	_, got, err := rc.get("/size/100")
	if !errors.Is(err, io.ErrUnexpectedEOF) || len(got) != 10 || time.Since(start) < 20*time.Millisecond {
		t.Errorf("delay+truncate: %d bytes, %v after %v; want 10 bytes, unexpected EOF, after 20ms", len(got), err, time.Since(start))
	}
}

func TestExpectContinue(t *testing.T) {
	t.Parallel()
	b := newBackend(t)
	p := startHTTP(t, b)
	tr := &http.Transport{ExpectContinueTimeout: 10 * time.Second}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest("POST", p.URL()+"/echo", strings.NewReader("payload"))
	req.Header.Set("Expect", "100-continue")
	start := time.Now()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(got) != "payload" || time.Since(start) > 5*time.Second {
		t.Errorf("POST with Expect: 100-continue = %q after %v; want the echo at once", got, time.Since(start))
	}
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
