package toxicompat

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2/client"

	"flagsuite/chaos/api"
)

// server runs chaos's control plane on 127.0.0.1:0, as "chaos --api" does,
// and returns a Toxiproxy client for it.
func server(t *testing.T) (*toxiproxy.Client, *api.Server) {
	t.Helper()
	s := api.New(api.Options{})
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		ts.Close()
		s.Close()
	})
	return toxiproxy.NewClient(ts.URL), s
}

// echoBackend is a TCP server on 127.0.0.1:0 that echoes what it reads.
func echoBackend(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

// up reports whether something accepts connections on addr.
func up(addr string) bool {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func findToxic(ts toxiproxy.Toxics, name string) (toxiproxy.Toxic, bool) {
	for _, t := range ts {
		if t.Name == name {
			return t, true
		}
	}
	return toxiproxy.Toxic{}, false
}

func TestVersionAndEmptyIndex(t *testing.T) {
	t.Parallel()
	c, _ := server(t)
	v, err := c.Version()
	if err != nil || !strings.Contains(string(v), api.Version) {
		t.Errorf("Version() = %s, %v; want %s", v, err, api.Version)
	}
	ps, err := c.Proxies()
	if err != nil || len(ps) != 0 {
		t.Errorf("Proxies() = %v, %v; want none", ps, err)
	}
}

func TestCreateGetListDelete(t *testing.T) {
	t.Parallel()
	c, _ := server(t)
	up0 := echoBackend(t)
	p, err := c.CreateProxy("redis", "127.0.0.1:0", up0)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(p.Listen, ":0") || !p.Enabled || p.Upstream != up0 || !up(p.Listen) {
		t.Errorf("created %+v; want a real port, enabled, listening", p)
	}
	got, err := c.Proxy("redis")
	if err != nil || got.Listen != p.Listen || got.Upstream != up0 {
		t.Errorf("Proxy(redis) = %+v, %v", got, err)
	}
	ps, err := c.Proxies()
	if err != nil || len(ps) != 1 || ps["redis"] == nil {
		t.Errorf("Proxies() = %v, %v; want redis", ps, err)
	}
	// Errors, with Toxiproxy's statuses and messages.
	for _, tt := range []struct {
		name, listen, upstream, want string
	}{
		{"redis", "127.0.0.1:0", up0, "Create: HTTP 409: proxy already exists"},
		{"other", p.Listen, up0, "Create: HTTP 409:"}, // port taken
		{"", "127.0.0.1:0", up0, "Create: HTTP 400: missing required field: name"},
		{"x", "127.0.0.1:0", "", "Create: HTTP 400: missing required field: upstream"},
	} {
		if _, err := c.CreateProxy(tt.name, tt.listen, tt.upstream); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("CreateProxy(%q, %q, %q) = %v; want %q", tt.name, tt.listen, tt.upstream, err, tt.want)
		}
	}
	if _, err := c.Proxy("nope"); err == nil || err.Error() != "HTTP 404: proxy not found" {
		t.Errorf("Proxy(nope) = %v; want HTTP 404: proxy not found", err)
	}
	if err := p.Delete(); err != nil {
		t.Fatal(err)
	}
	if up(p.Listen) {
		t.Errorf("deleted proxy still listens on %s", p.Listen)
	}
	if err := p.Delete(); err == nil || err.Error() != "Delete: HTTP 404: proxy not found" {
		t.Errorf("second Delete = %v; want 404", err)
	}
}

func TestEnableDisableUpdate(t *testing.T) {
	t.Parallel()
	c, _ := server(t)
	p, err := c.CreateProxy("db", "127.0.0.1:0", echoBackend(t))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", p.Listen)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := p.Disable(); err != nil {
		t.Fatal(err)
	}
	if p.Enabled || up(p.Listen) {
		t.Errorf("after Disable: enabled=%v, listening=%v; want neither", p.Enabled, up(p.Listen))
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Read(make([]byte, 1)); err == nil {
		t.Errorf("a connection open before Disable still reads")
	}
	if err := p.Enable(); err != nil {
		t.Fatal(err)
	}
	if !p.Enabled || !up(p.Listen) {
		t.Errorf("after Enable: %+v; want listening on %s again", p, p.Listen)
	}
	// Update: a new upstream, saved.
	other := echoBackend(t)
	p.Upstream = other
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.Proxy("db"); got.Upstream != other || !got.Enabled {
		t.Errorf("after Save: %+v; want upstream %s, enabled", got, other)
	}
	// A disabled proxy created disabled, enabled later.
	d := c.NewProxy()
	d.Name, d.Listen, d.Upstream = "later", "127.0.0.1:0", other
	if err := d.Save(); err != nil {
		t.Fatal(err)
	}
	if d.Enabled {
		t.Errorf("a proxy saved with enabled=false came back enabled")
	}
	if err := d.Enable(); err != nil || !up(d.Listen) {
		t.Errorf("Enable of a proxy created disabled: %v, listening on %q=%v", err, d.Listen, up(d.Listen))
	}
}

func TestPopulate(t *testing.T) {
	t.Parallel()
	c, _ := server(t)
	b := echoBackend(t)
	one, err := c.CreateProxy("one", "127.0.0.1:0", b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := one.AddToxic("", "latency", "downstream", 1, nil); err != nil {
		t.Fatal(err)
	}
	two, err := c.CreateProxy("two", "127.0.0.1:0", b)
	if err != nil {
		t.Fatal(err)
	}
	// one unchanged (its toxic kept; "localhost" names the same address),
	// two moved to a new port, three new, four new and disabled.
	port := strings.TrimPrefix(one.Listen, "127.0.0.1:")
	ps, err := c.Populate([]toxiproxy.Proxy{
		{Name: "one", Listen: "localhost:" + port, Upstream: b, Enabled: true},
		{Name: "two", Listen: "127.0.0.1:0", Upstream: b, Enabled: true},
		{Name: "three", Listen: "127.0.0.1:0", Upstream: b, Enabled: true},
		{Name: "four", Listen: "127.0.0.1:0", Upstream: b, Enabled: false},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 4 || ps[0].Listen != one.Listen || ps[1].Listen == two.Listen || !ps[2].Enabled || ps[3].Enabled {
		t.Fatalf("Populate = %+v, %+v, %+v, %+v; want one kept, two moved, three enabled, four disabled", ps[0], ps[1], ps[2], ps[3])
	}
	if ts, _ := one.Toxics(); len(ts) != 1 || ts[0].Type != "latency" {
		t.Errorf("populate did not keep one's toxic: %v", ts)
	}
	if up(two.Listen) || !up(ps[1].Listen) || !up(ps[2].Listen) {
		t.Errorf("two's old port up=%v, new up=%v, three up=%v; want false, true, true", up(two.Listen), up(ps[1].Listen), up(ps[2].Listen))
	}
	// Bad data: nothing of a list with a nameless proxy is created.
	_, err = c.Populate([]toxiproxy.Proxy{{Name: "five", Listen: "127.0.0.1:0", Upstream: b, Enabled: true}, {Name: "", Enabled: true}})
	if err == nil || err.Error() != "Populate: HTTP 400: missing required field: name at proxy 2" {
		t.Errorf("Populate with a nameless proxy = %v", err)
	}
	if all, _ := c.Proxies(); all["five"] != nil {
		t.Errorf("a failed populate created five")
	}
	// A bad address fails the list where it stands, as in Toxiproxy.
	if _, err := c.Populate([]toxiproxy.Proxy{
		{Name: "six", Listen: "127.0.0.1:0", Upstream: b, Enabled: true},
		{Name: "seven", Listen: "local373", Upstream: b, Enabled: true},
	}); err == nil {
		t.Errorf("Populate with a bad listen address = nil error")
	}
	if all, _ := c.Proxies(); all["six"] == nil || all["seven"] != nil {
		t.Errorf("after a bad address: six %v, seven %v; want six made, seven not", all["six"] != nil, all["seven"] != nil)
	}
}

func TestToxicsCRUD(t *testing.T) {
	t.Parallel()
	c, _ := server(t)
	p, err := c.CreateProxy("mysql", "127.0.0.1:0", echoBackend(t))
	if err != nil {
		t.Fatal(err)
	}
	tx, err := p.AddToxic("", "latency", "upstream", 1, toxiproxy.Attributes{"latency": 100, "jitter": 10})
	if err != nil {
		t.Fatal(err)
	}
	if tx.Name != "latency_upstream" || tx.Stream != "upstream" || tx.Toxicity != 1 || tx.Attributes["latency"] != 100.0 || tx.Attributes["jitter"] != 10.0 {
		t.Errorf("AddToxic = %+v", tx)
	}
	// One per stream with default names; each TCP type; toxicity.
	if _, err := p.AddToxic("", "latency", "downstream", 1, nil); err != nil {
		t.Errorf("a second latency, downstream: %v", err)
	}
	for _, typ := range []string{"bandwidth", "slicer", "limit_data", "slow_close", "timeout", "reset_peer", "noop"} {
		if _, err := p.AddToxic("t_"+typ, typ, "downstream", 0.5, nil); err != nil {
			t.Errorf("AddToxic(%s) = %v", typ, err)
		}
	}
	ts, err := p.Toxics()
	if err != nil || len(ts) != 9 {
		t.Fatalf("Toxics() = %d, %v; want 9", len(ts), err)
	}
	if d, ok := findToxic(ts, "latency_downstream"); !ok || d.Attributes["latency"] != 0.0 || d.Attributes["jitter"] != 0.0 || d.Toxicity != 1 {
		t.Errorf("latency_downstream = %+v; want attributes read back as 0, toxicity 1", d)
	}
	if s, ok := findToxic(ts, "t_slicer"); !ok || s.Toxicity != 0.5 || s.Attributes["average_size"] != 0.0 {
		t.Errorf("t_slicer = %+v; want toxicity 0.5", s)
	}
	// Conflicts: a name taken, on the same stream or the other.
	for _, stream := range []string{"upstream", "downstream"} {
		if _, err := p.AddToxic("latency_upstream", "latency", stream, 1, nil); err == nil || err.Error() != "AddToxic: HTTP 409: toxic already exists" {
			t.Errorf("AddToxic of a taken name on %s = %v; want 409 toxic already exists", stream, err)
		}
	}
	if _, err := p.AddToxic("", "latency", "sideways", 1, nil); err == nil || !strings.Contains(err.Error(), "HTTP 400: stream was invalid") {
		t.Errorf("AddToxic on a bad stream = %v; want 400 stream was invalid", err)
	}
	if _, err := p.AddToxic("", "explode", "", 1, nil); err == nil || !strings.Contains(err.Error(), "HTTP 400: invalid toxic type") {
		t.Errorf("AddToxic of an unknown type = %v; want 400 invalid toxic type", err)
	}
	// Update: attributes merge, toxicity -1 leaves it.
	u, err := p.UpdateToxic("latency_upstream", -1, toxiproxy.Attributes{"latency": 250})
	if err != nil || u.Attributes["latency"] != 250.0 || u.Attributes["jitter"] != 10.0 || u.Toxicity != 1 {
		t.Errorf("UpdateToxic = %+v, %v; want latency 250, jitter kept, toxicity 1", u, err)
	}
	if u, err := p.UpdateToxic("latency_upstream", 0.25, nil); err != nil || u.Toxicity != 0.25 {
		t.Errorf("UpdateToxic(toxicity 0.25) = %+v, %v", u, err)
	}
	if _, err := p.UpdateToxic("nope", 1, nil); err == nil || err.Error() != "HTTP 404: toxic not found" {
		t.Errorf("UpdateToxic(nope) = %v; want 404 toxic not found", err)
	}
	if err := p.RemoveToxic("latency_upstream"); err != nil {
		t.Fatal(err)
	}
	if err := p.RemoveToxic("latency_upstream"); err == nil || err.Error() != "HTTP 404: toxic not found" {
		t.Errorf("second RemoveToxic = %v; want 404", err)
	}
	if ts, _ := p.Toxics(); len(ts) != 8 {
		t.Errorf("after remove: %d toxics; want 8", len(ts))
	}
	// Reset: every toxic gone, every proxy enabled.
	if err := p.Disable(); err != nil {
		t.Fatal(err)
	}
	if err := c.ResetState(); err != nil {
		t.Fatal(err)
	}
	got, _ := c.Proxy("mysql")
	if !got.Enabled || len(got.ActiveToxics) != 0 || !up(got.Listen) {
		t.Errorf("after ResetState: %+v; want enabled, listening, no toxics", got)
	}
}

// The acceptance's measure on real sockets: on one open connection, a
// 300 ms latency toxic added through the client slows the next round trip
// by 300 ms; removing it restores it. Exact timing is tested in
// chaos/proxy with synctest; here only that the delay is there and bounded.
func TestLatencyOnOpenConnection(t *testing.T) {
	t.Parallel()
	c, _ := server(t)
	p, err := c.CreateProxy("echo", "127.0.0.1:0", echoBackend(t))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", p.Listen)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	rtt := func() time.Duration {
		start := time.Now()
		fmt.Fprintf(conn, "ping\n")
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := br.ReadString('\n'); err != nil {
			t.Fatal(err)
		}
		return time.Since(start)
	}
	base := rtt()
	if _, err := p.AddToxic("", "latency", "downstream", 1, toxiproxy.Attributes{"latency": 300}); err != nil {
		t.Fatal(err)
	}
	slow := rtt()
	if err := p.RemoveToxic("latency_downstream"); err != nil {
		t.Fatal(err)
	}
	after := rtt()
	t.Logf("round trip: %v before, %v with 300ms latency, %v after", base, slow, after)
	// The latency counts from when the proxy read the echo, so the round
	// trip is at least 300ms; the upper bound only catches a lost toxic
	// change, not a slow machine.
	if slow < 300*time.Millisecond || slow-base > 2*time.Second {
		t.Errorf("with 300ms latency the open connection's round trip took %v (%v before); want 300ms more", slow, base)
	}
	if after >= 300*time.Millisecond {
		t.Errorf("after removing the toxic the round trip took %v; want it restored", after)
	}
}

// chaos's HTTP faults are toxic types too, driven by the same client.
func TestHTTPToxicThroughClient(t *testing.T) {
	t.Parallel()
	c, _ := server(t)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer backend.Close()
	p, err := c.CreateProxy("web", "127.0.0.1:0", strings.TrimPrefix(backend.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.AddToxic("teapot", "error", "", 1, toxiproxy.Attributes{"status": 418}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + p.Listen + "/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 418 {
		t.Errorf("GET through an error toxic = %d; want 418", resp.StatusCode)
	}
}
