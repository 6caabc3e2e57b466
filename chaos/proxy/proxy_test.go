package proxy

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"flagsuite/chaos/fault"
)

func TestPassThrough(t *testing.T) {
	t.Parallel()
	b := newBackend(t)
	p := startHTTP(t, b)
	c := client(t, 5*time.Second)
	base := "http://" + p.Addr().String()

	for _, tt := range []struct {
		path string
		want string
	}{
		{"/size/12288", string(body(12288))},
		{"/size/0", ""},
		{"/chunked", "part 0\npart 1\npart 2\n"},
		{"/flags/br/br.gif?x=1", "hello /flags/br/br.gif"},
	} {
		status, got, err := get(t, c, base+tt.path)
		if err != nil || status != 200 || got != tt.want {
			t.Errorf("GET %s = %d %q (%v); want 200 %q", tt.path, status, trim(got), err, trim(tt.want))
		}
	}
	resp, err := c.Post(base+"/echo", "text/plain", strings.NewReader("ping"))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(got) != "ping" {
		t.Errorf("POST /echo = %q; want %q", got, "ping")
	}
	resp, err = c.Head(base + "/size/100")
	if err != nil || resp.ContentLength != 100 {
		t.Errorf("HEAD /size/100 = %v, length %d; want 100", err, resp.ContentLength)
	}
	status, _, err := get(t, c, base+"/status/204")
	if err != nil || status != 204 {
		t.Errorf("GET /status/204 = %d, %v", status, err)
	}
	s := p.Stats()
	if s.Requests != 7 || s.Statuses[200] != 6 || s.Statuses[204] != 1 || len(s.Faults) != 0 {
		t.Errorf("Stats() = %+v; want 7 requests, 6×200, 1×204, no faults", s)
	}
}

func TestPassKeepsBytes(t *testing.T) {
	t.Parallel()
	// A raw backend whose response head net/http would rewrite.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	const resp = "HTTP/1.1 200 OK\r\nx-odd-Case:  spaced \r\nContent-Length: 3\r\n\r\nabc"
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 4096)
		for {
			if _, err := c.Read(buf); err != nil {
				return
			}
			c.Write([]byte(resp))
		}
	}()
	p := start(t, Config{Backend: ln.Addr().String()})
	rc := dialRaw(t, p.Addr().String())
	for range 2 {
		rc.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
		got := make([]byte, len(resp))
		if _, err := io.ReadFull(rc.br, got); err != nil || string(got) != resp {
			t.Fatalf("relayed %q, %v; want the backend's bytes %q", got, err, resp)
		}
	}
}

func trim(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

func TestBadGateway(t *testing.T) {
	t.Parallel()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close() // nothing listens here now: connections are refused
	p := start(t, Config{Backend: dead})
	c := client(t, 5*time.Second)
	for range 3 {
		start := time.Now()
		status, got, err := get(t, c, p.URL()+"/x")
		if err != nil || status != 502 || !strings.Contains(got, "chaos: backend") {
			t.Fatalf("GET through a proxy to a dead backend = %d %q %v; want a clean 502", status, got, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("502 took %v; want it at once", d)
		}
	}
	if s := p.Stats(); s.Statuses[502] != 3 {
		t.Errorf("Stats().Statuses = %v; want 3×502", s.Statuses)
	}
}

func TestBadRequest(t *testing.T) {
	t.Parallel()
	b := newBackend(t)
	p := startHTTP(t, b)
	rc := dialRaw(t, p.Addr().String())
	rc.Write([]byte("GET / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"))
	resp, err := http.ReadResponse(rc.br, nil)
	if err != nil || resp.StatusCode != 400 {
		t.Fatalf("smuggling attempt = %v, %v; want 400", resp, err)
	}
	if b.hits.Load() != 0 {
		t.Errorf("backend saw %d requests; want none", b.hits.Load())
	}
}

func TestStatsJSON(t *testing.T) {
	t.Parallel()
	s := Stats{Protocol: fault.HTTP, Requests: 10, Faults: map[string]int64{"error": 3}, Statuses: map[int]int64{200: 7, 503: 3}}
	got, _ := json.Marshal(s)
	want := `{"requests":10,"faults":{"error":3},"statuses":{"200":7,"503":3}}`
	if string(got) != want {
		t.Errorf("json = %s; want %s", got, want)
	}
	var back Stats
	if err := json.Unmarshal(got, &back); err != nil || !reflect.DeepEqual(back, s) {
		t.Errorf("round trip = %+v, %v; want %+v", back, err, s)
	}
	tcp, _ := json.Marshal(Stats{Protocol: fault.TCP, Connections: 2})
	if string(tcp) != `{"connections":2,"faults":{}}` {
		t.Errorf("tcp json = %s", tcp)
	}
}

func TestChangeFaultsOnOpenConnection(t *testing.T) {
	t.Parallel()
	b := newBackend(t)
	p := startHTTP(t, b)
	rc := dialRaw(t, p.Addr().String())
	if resp, _, err := rc.get("/a"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("first GET = %v, %v", resp, err)
	}
	if err := p.SetFaults([]fault.Config{oneFault("error", 100, "status", "418")}); err != nil {
		t.Fatal(err)
	}
	if resp, _, err := rc.get("/a"); err != nil || resp.StatusCode != 418 {
		t.Fatalf("GET after SetFaults = %v, %v; want 418 on the same connection", resp, err)
	}
	if err := p.RemoveToxic("error"); err != nil {
		t.Fatal(err)
	}
	if resp, _, err := rc.get("/a"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET after RemoveToxic = %v, %v; want 200", resp, err)
	}
	if _, err := p.AddToxic(fault.Toxic{Name: "e", Type: "error", Toxicity: 1, Attributes: fault.Attributes{"status": 503}}); err != nil {
		t.Fatal(err)
	}
	if resp, _, err := rc.get("/a"); err != nil || resp.StatusCode != 503 {
		t.Fatalf("GET after AddToxic = %v, %v; want 503 on the same connection", resp, err)
	}
	if _, err := p.AddToxic(fault.Toxic{Name: "e", Type: "delay"}); !errors.Is(err, fault.ErrExists) {
		t.Errorf("AddToxic of a name taken = %v; want ErrExists", err)
	}
	if err := p.RemoveToxic("hang"); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("RemoveToxic(hang) = %v; want ErrNotFound", err)
	}
}

func TestCloseEndsEverything(t *testing.T) {
	t.Parallel()
	b := newBackend(t)
	p, err := Listen(Config{Backend: b.addr(), Faults: []fault.Config{oneFault("hang", 100)}}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rc := dialRaw(t, p.Addr().String())
	rc.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	// The hang fault counts itself as it begins: wait for that, so Close
	// meets a connection really hanging.
	waitFor(t, func() bool { return p.Stats().Faults["hang"] == 1 }, "the hang to begin")
	done := make(chan struct{})
	go func() { p.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return with a hung connection open")
	}
	rc.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := rc.Read(make([]byte, 1)); err == nil {
		t.Errorf("connection still open after Close")
	}
	if _, err := net.Dial("tcp", p.Addr().String()); err == nil {
		t.Errorf("listener still accepting after Close")
	}
}
