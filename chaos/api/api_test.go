package api

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"flagsuite/chaos/fault"
)

func newAPI(t *testing.T) (*Server, *httptest.Server) {
	t.Helper()
	s := New(Options{})
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		ts.Close()
		s.Close()
	})
	return s, ts
}

func newBackend(t *testing.T) string {
	t.Helper()
	b := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s", r.URL.Path)
	}))
	t.Cleanup(b.Close)
	return strings.TrimPrefix(b.URL, "http://")
}

// call sends a request to the API and decodes a JSON answer into out.
func call(t *testing.T, method, url, body string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, url, err, b)
		}
	}
	return resp.StatusCode
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	_, ts := newAPI(t)
	var got map[string]string
	if code := call(t, "GET", ts.URL+"/healthz", "", &got); code != 200 || got["status"] != "ok" {
		t.Errorf("GET /healthz = %d %v; want 200 ok", code, got)
	}
}

func TestCreateListGetDelete(t *testing.T) {
	t.Parallel()
	_, ts := newAPI(t)
	backend := newBackend(t)
	var info Info
	body := `{"name": "flags", "listen": "127.0.0.1:0", "upstream": "` + backend + `"}`
	if code := call(t, "POST", ts.URL+"/proxies", body, &info); code != 201 {
		t.Fatalf("POST /proxies = %d; want 201", code)
	}
	if !strings.HasPrefix(info.Listen, "127.0.0.1:") || strings.HasSuffix(info.Listen, ":0") || !info.Enabled || info.Toxics == nil || info.Upstream != backend {
		t.Errorf("created %+v; want a real port, enabled, upstream %s, toxics []", info, backend)
	}
	resp, err := http.Get("http://" + info.Listen + "/x")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "hello /x" {
		t.Errorf("GET through the new proxy = %q", b)
	}
	for _, tt := range []struct {
		body string
		code int
	}{
		{body, 409},
		{`{"name": "b", "upstream": "` + backend + `", "listen": "` + info.Listen + `"}`, 409}, // port taken
		{`{"name": "c", "upstream": "` + backend + `", "lisen": "127.0.0.1:0"}`, 400},
		{`{"upstream": "` + backend + `"}`, 400},
		{`{"name": "d"}`, 400},
		{`{"name": "e", "upstream": "` + backend + `", "seed_by": "path"}`, 400},
		{`{"name": "f", "upstream": "` + backend + `", "protocol": "udp"}`, 400},
		{`{"name": "g", "upstream": "` + backend + `", "toxics": [{"type": "explode"}]}`, 400},
		{`not json`, 400},
	} {
		var e apiError
		if code := call(t, "POST", ts.URL+"/proxies", tt.body, &e); code != tt.code || e.Message == "" || e.Status != tt.code {
			t.Errorf("POST /proxies %s = %d %+v; want %d with an error message", tt.body, code, e, tt.code)
		}
	}
	var list map[string]Info
	if code := call(t, "GET", ts.URL+"/proxies", "", &list); code != 200 || len(list) != 1 || list["flags"].Listen != info.Listen {
		t.Fatalf("GET /proxies = %d %+v; want {flags: ...}", code, list)
	}
	var one Info
	if code := call(t, "GET", ts.URL+"/proxies/flags", "", &one); code != 200 || one.Name != "flags" || one.Protocol != "auto" {
		t.Errorf("GET /proxies/flags = %d %+v; want it, protocol auto", code, one)
	}
	var e apiError
	if code := call(t, "GET", ts.URL+"/proxies/zz", "", &e); code != 404 || e.Message != "proxy not found" || e.Status != 404 {
		t.Errorf("GET /proxies/zz = %d %+v; want 404 proxy not found", code, e)
	}
	if code := call(t, "DELETE", ts.URL+"/proxies/flags", "", nil); code != 204 {
		t.Errorf("DELETE /proxies/flags = %d; want 204", code)
	}
	if c, err := net.Dial("tcp", info.Listen); err == nil {
		c.Close()
		t.Errorf("deleted proxy still listens on %s", info.Listen)
	}
	if code := call(t, "DELETE", ts.URL+"/proxies/flags", "", nil); code != 404 {
		t.Errorf("second DELETE /proxies/flags = %d; want 404", code)
	}
}

// get sends a GET on an open connection.
func get(t *testing.T, c net.Conn, br *bufio.Reader) int {
	t.Helper()
	fmt.Fprintf(c, "GET /x HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// HTTP toxics through Toxiproxy's toxic routes: a change reaches an open
// keep-alive connection at its next request.
func TestHTTPToxics(t *testing.T) {
	t.Parallel()
	s, ts := newAPI(t)
	p, err := s.Start(Spec{Name: "p", Upstream: newBackend(t)})
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", p.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	base := ts.URL + "/proxies/p/toxics"
	var tx fault.Toxic
	if code := call(t, "POST", base, `{"type": "error", "attributes": {"status": 418}}`, &tx); code != 200 {
		t.Fatalf("POST toxics = %d", code)
	}
	if tx.Name != "error_downstream" || tx.Stream != "downstream" || tx.Toxicity != 1 || tx.Attributes["status"] != "418" {
		t.Errorf("added %+v; want error_downstream, downstream, toxicity 1, status \"418\"", tx)
	}
	// The first connection was opened while the proxy had no toxic: it
	// relays TCP; a new one frames HTTP and gets the error.
	if code := get(t, c, br); code != 200 {
		t.Errorf("old TCP connection: %d; want 200", code)
	}
	c2, _ := net.Dial("tcp", p.Addr().String())
	defer c2.Close()
	br2 := bufio.NewReader(c2)
	if code := get(t, c2, br2); code != 418 {
		t.Errorf("new connection: %d; want 418", code)
	}
	if code := call(t, "PATCH", base+"/error_downstream", `{"toxicity": 0}`, &tx); code != 200 || tx.Toxicity != 0 || tx.Attributes["status"] != "418" {
		t.Errorf("PATCH toxicity 0 = %d %+v", code, tx)
	}
	if code := get(t, c2, br2); code != 200 {
		t.Errorf("after toxicity 0: %d; want 200 on the same connection", code)
	}
	if code := call(t, "POST", base+"/error_downstream", `{"toxicity": 1, "attributes": {"status": "451"}}`, &tx); code != 200 {
		t.Errorf("POST update = %d", code)
	}
	if code := get(t, c2, br2); code != 451 {
		t.Errorf("after update: %d; want 451", code)
	}
	var list []fault.Toxic
	if code := call(t, "GET", base, "", &list); code != 200 || len(list) != 1 {
		t.Errorf("GET toxics = %d %v", code, list)
	}
	for _, tt := range []struct {
		method, url, body string
		code              int
	}{
		{"POST", base, `{"type": "error"}`, 409},
		{"POST", base, `{"type": "nope"}`, 400},
		{"POST", base, `{"type": "delay", "stream": "sideways"}`, 400},
		{"POST", base, `{"type": "delay", "attributes": {"nap": 1}}`, 400},
		{"POST", base, `{"type": "latency"}`, 400}, // a TCP toxic beside an HTTP one
		{"GET", base + "/hang", "", 404},
		{"PATCH", base + "/hang", `{"toxicity": 1}`, 404},
		{"DELETE", base + "/hang", "", 404},
		{"GET", ts.URL + "/proxies/zz/toxics", "", 404},
	} {
		var e apiError
		if code := call(t, tt.method, tt.url, tt.body, &e); code != tt.code || e.Status != tt.code {
			t.Errorf("%s %s %s = %d %+v; want %d", tt.method, tt.url, tt.body, code, e, tt.code)
		}
	}
	if code := call(t, "DELETE", base+"/error_downstream", "", nil); code != 204 {
		t.Errorf("DELETE toxic = %d", code)
	}
	if code := get(t, c2, br2); code != 200 {
		t.Errorf("after DELETE: %d; want 200", code)
	}
}

func TestStatsMetricsAndReset(t *testing.T) {
	t.Parallel()
	s, ts := newAPI(t)
	backend := newBackend(t)
	p, err := s.Start(Spec{Name: "p", Upstream: backend, Protocol: "http", Faults: []fault.Config{{Name: "error", Percent: 100, Options: map[string]string{"status": "500"}}}})
	if err != nil {
		t.Fatal(err)
	}
	q, err := s.Start(Spec{Name: "q", Upstream: backend, Protocol: "http"})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{p.URL(), p.URL(), q.URL()} {
		resp, err := http.Get(u + "/x")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	var raw map[string]json.RawMessage
	call(t, "GET", ts.URL+"/stats", "", &raw)
	var totals struct {
		Requests int64            `json:"requests"`
		Faults   map[string]int64 `json:"faults"`
		Statuses map[string]int64 `json:"statuses"`
		Proxies  map[string]struct {
			Requests int64 `json:"requests"`
		} `json:"proxies"`
	}
	b, _ := json.Marshal(raw)
	json.Unmarshal(b, &totals)
	if totals.Requests != 3 || totals.Faults["error"] != 2 || totals.Statuses["500"] != 2 || totals.Statuses["200"] != 1 || totals.Proxies["p"].Requests != 2 {
		t.Errorf("GET /stats = %s; want 3 requests, 2 errors (500), 1×200, p: 2", b)
	}
	resp, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		"# TYPE chaos_faults_total counter\n",
		`chaos_faults_total{proxy="p",toxic="error",type="error"} 2` + "\n",
		`chaos_requests_total{proxy="q"} 1` + "\n",
		`chaos_responses_total{proxy="p",status="500"} 2` + "\n",
		`chaos_connections_total{proxy="p"} `,
		`chaos_bytes_total{proxy="q",direction="downstream"} `,
		`chaos_proxy_enabled{proxy="p"} 1` + "\n",
	} {
		if !strings.Contains(string(m), want) {
			t.Errorf("GET /metrics lacks %q:\n%s", want, m)
		}
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("GET /metrics Content-Type %q", ct)
	}
	if code := call(t, "DELETE", ts.URL+"/stats", "", nil); code != 204 {
		t.Errorf("DELETE /stats = %d", code)
	}
	if st := s.Stats(); st.Requests != 0 || len(p.Toxics()) != 1 {
		t.Errorf("after DELETE /stats: %d requests, toxics %v; want 0 and the error toxic kept", st.Requests, p.Toxics())
	}
	// Disable q, then /reset: enabled again, p's toxic gone.
	var info Info
	if code := call(t, "POST", ts.URL+"/proxies/q", `{"enabled": false}`, &info); code != 200 || info.Enabled {
		t.Fatalf("disable q = %d %+v", code, info)
	}
	if c, err := net.Dial("tcp", info.Listen); err == nil {
		c.Close()
		t.Errorf("disabled proxy still listens on %s", info.Listen)
	}
	if code := call(t, "POST", ts.URL+"/reset", "", nil); code != 204 {
		t.Errorf("POST /reset = %d", code)
	}
	if !q.Enabled() || len(p.Toxics()) != 0 {
		t.Errorf("after reset: q enabled %v, p toxics %v; want enabled, none", q.Enabled(), p.Toxics())
	}
	resp, err = http.Get(q.URL() + "/x")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET through q after reset = %v, %v", resp, err)
	}
	resp.Body.Close()
	var v map[string]string
	if code := call(t, "GET", ts.URL+"/version", "", &v); code != 200 || v["version"] != Version {
		t.Errorf("GET /version = %d %v", code, v)
	}
}

func TestTCPStats(t *testing.T) {
	t.Parallel()
	s, ts := newAPI(t)
	if _, err := s.Start(Spec{Name: "t", Protocol: "tcp", Upstream: newBackend(t)}); err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	call(t, "GET", ts.URL+"/stats", "", &raw)
	if _, ok := raw["connections"]; !ok || raw["requests"] != nil {
		t.Errorf("GET /stats with a TCP proxy = %v; want connections, not requests", raw)
	}
}

func TestToxicTypes(t *testing.T) {
	t.Parallel()
	_, ts := newAPI(t)
	var kinds []kindInfo
	if code := call(t, "GET", ts.URL+"/toxics", "", &kinds); code != 200 || len(kinds) != len(fault.Kinds()) {
		t.Errorf("GET /toxics = %d, %d types", code, len(kinds))
	}
}

func TestLoopbackOnly(t *testing.T) {
	t.Parallel()
	s := New(Options{})
	defer s.Close()
	req := httptest.NewRequest("GET", "http://127.0.0.1:8474/healthz", nil)
	req.RemoteAddr = "192.0.2.7:5555"
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if rec.Code != 403 {
		t.Errorf("remote client got %d; want 403", rec.Code)
	}
	open := New(Options{AllowRemote: true})
	rec = httptest.NewRecorder()
	open.Handler().ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Errorf("remote client with AllowRemote got %d; want 200", rec.Code)
	}
}

// Changing faults while clients hammer the proxy neither blocks nor
// races; the API answers while connections hang.
func TestChangesDuringTraffic(t *testing.T) {
	t.Parallel()
	s, ts := newAPI(t)
	p, err := s.Start(Spec{Name: "p", Upstream: newBackend(t), Protocol: "http"})
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr, Timeout: 5 * time.Second}
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := c.Get(p.URL() + "/x")
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 && resp.StatusCode != 503 {
					t.Errorf("status %d", resp.StatusCode)
				}
			}
		})
	}
	// Hung connections must not slow the API down.
	hung, _ := net.Dial("tcp", p.Addr().String())
	defer hung.Close()
	deadline := time.Now().Add(300 * time.Millisecond)
	for i := 0; time.Now().Before(deadline); i++ {
		start := time.Now()
		if i%2 == 0 {
			if code := call(t, "POST", ts.URL+"/proxies/p/toxics", `{"type": "error", "toxicity": 0.5, "attributes": {"status": 503}}`, nil); code != 200 {
				t.Fatalf("POST toxic = %d", code)
			}
		} else if code := call(t, "DELETE", ts.URL+"/proxies/p/toxics/error_downstream", "", nil); code != 204 {
			t.Fatalf("DELETE toxic = %d", code)
		}
		call(t, "GET", ts.URL+"/stats", "", nil)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("API call took %v under traffic", d)
		}
	}
	close(stop)
	wg.Wait()
}
