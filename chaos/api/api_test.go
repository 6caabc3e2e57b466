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
	_, ts := newAPI(t)
	var got map[string]string
	if code := call(t, "GET", ts.URL+"/healthz", "", &got); code != 200 || got["status"] != "ok" {
		t.Errorf("GET /healthz = %d %v; want 200 ok", code, got)
	}
}

func TestCreateWithFaults(t *testing.T) {
	_, ts := newAPI(t)
	backend := newBackend(t)
	var info Info
	body := `{"name": "flags", "listen": "127.0.0.1:0", "backend": "` + backend + `",
		"faults": [{"name": "error", "percent": 100, "options": {"status": "418"}}], "tag": true}`
	if code := call(t, "POST", ts.URL+"/proxies", body, &info); code != 201 {
		t.Fatalf("POST /proxies = %d; want 201", code)
	}
	if !strings.HasPrefix(info.URL, "http://127.0.0.1:") || strings.HasSuffix(info.URL, ":0") || len(info.Faults) != 1 {
		t.Errorf("created %+v; want a real port and one fault", info)
	}
	resp, err := http.Get(info.URL + "/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 418 || resp.Header.Get("X-Chaos-Fault") != "error" {
		t.Errorf("GET through the new proxy = %d (%q); want 418 tagged error", resp.StatusCode, resp.Header.Get("X-Chaos-Fault"))
	}

	for _, tt := range []struct {
		body string
		code int
	}{
		{body, 409},
		{`{"name": "b", "backend": "` + backend + `", "faults": [{"name": "explode", "percent": 1}]}`, 400},
		{`{"name": "c", "backend": "` + backend + `", "lisen": "127.0.0.1:0"}`, 400},
		{`{"name": "d", "backend": "` + backend + `", "protocol": "tcp", "faults": [{"name": "error", "percent": 1}]}`, 400},
		{`{"backend": "` + backend + `"}`, 400},
		{`{"name": "e", "backend": "` + backend + `", "seed_by": "path"}`, 400},
		{`not json`, 400},
	} {
		var e apiError
		if code := call(t, "POST", ts.URL+"/proxies", tt.body, &e); code != tt.code || e.Message == "" || e.Status != tt.code {
			t.Errorf("POST /proxies %s = %d %v; want %d with an error message", tt.body, code, e, tt.code)
		}
	}
}

func TestListGetDelete(t *testing.T) {
	s, ts := newAPI(t)
	backend := newBackend(t)
	seed := int64(7)
	for _, name := range []string{"b", "a"} {
		if _, err := s.Start(Spec{Name: name, Backend: backend, Seed: &seed, SeedBy: "path"}); err != nil {
			t.Fatal(err)
		}
	}
	var list []Info
	if code := call(t, "GET", ts.URL+"/proxies", "", &list); code != 200 || len(list) != 2 || list[0].Name != "a" {
		t.Fatalf("GET /proxies = %d %+v; want a and b", code, list)
	}
	if list[0].Seed == nil || *list[0].Seed != 7 || list[0].SeedBy != "path" || list[0].Protocol != "http" {
		t.Errorf("proxy a = %+v; want seed 7 by path over http", list[0])
	}
	var one Info
	if code := call(t, "GET", ts.URL+"/proxies/b", "", &one); code != 200 || one.Name != "b" {
		t.Errorf("GET /proxies/b = %d %+v", code, one)
	}
	if code := call(t, "GET", ts.URL+"/proxies/zz", "", nil); code != 404 {
		t.Errorf("GET /proxies/zz = %d; want 404", code)
	}
	if code := call(t, "DELETE", ts.URL+"/proxies/b", "", nil); code != 204 {
		t.Errorf("DELETE /proxies/b = %d; want 204", code)
	}
	if _, err := net.Dial("tcp", one.Listen); err == nil {
		t.Errorf("deleted proxy still listens on %s", one.Listen)
	}
	if code := call(t, "DELETE", ts.URL+"/proxies/b", "", nil); code != 404 {
		t.Errorf("second DELETE /proxies/b = %d; want 404", code)
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

func TestChangeFaults(t *testing.T) {
	s, ts := newAPI(t)
	p, err := s.Start(Spec{Name: "p", Backend: newBackend(t)})
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", p.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	if code := get(t, c, br); code != 200 {
		t.Fatalf("before faults: %d", code)
	}
	base := ts.URL + "/proxies/p/faults"
	var cfgs []fault.Config

	// Replace with a list: the open connection sees it at its next request.
	if code := call(t, "PUT", base, `[{"name": "error", "percent": 100, "options": {"status": "429"}}]`, &cfgs); code != 200 || len(cfgs) != 1 {
		t.Fatalf("PUT faults = %d %v", code, cfgs)
	}
	if code := get(t, c, br); code != 429 {
		t.Errorf("after PUT: %d; want 429 on the same connection", code)
	}
	// Replace in the command line's syntax.
	if code := call(t, "PUT", base, `{"behavior": "100:error", "options": {"error-status": "451"}}`, &cfgs); code != 200 {
		t.Fatalf("PUT behavior = %d", code)
	}
	if code := get(t, c, br); code != 451 {
		t.Errorf("after PUT behavior: %d; want 451", code)
	}
	// Remove one, add one.
	if code := call(t, "DELETE", base+"/error", "", nil); code != 204 {
		t.Errorf("DELETE faults/error = %d; want 204", code)
	}
	if code := get(t, c, br); code != 200 {
		t.Errorf("after DELETE: %d; want 200", code)
	}
	if code := call(t, "POST", base, `{"name": "error", "percent": 100, "options": {"status": "503"}}`, &cfgs); code != 201 || len(cfgs) != 1 {
		t.Errorf("POST faults = %d %v; want 201 and one fault", code, cfgs)
	}
	if code := get(t, c, br); code != 503 {
		t.Errorf("after POST: %d; want 503", code)
	}
	for _, tt := range []struct {
		method, url, body string
		code              int
	}{
		{"POST", base, `{"name": "delay", "percent": 10}`, 400}, // 110 %
		{"PUT", base, `{"behavior": "25:nope"}`, 400},
		{"PUT", base, `{"behavior": "25:delay", "options": {"delay-nap": "1"}}`, 400},
		{"PUT", base, `[{"name": "latency", "percent": 5}]`, 400}, // a TCP fault on an HTTP proxy
		{"DELETE", base + "/hang", "", 404},
		{"GET", ts.URL + "/proxies/zz/faults", "", 404},
	} {
		if code := call(t, tt.method, tt.url, tt.body, nil); code != tt.code {
			t.Errorf("%s %s %s = %d; want %d", tt.method, tt.url, tt.body, code, tt.code)
		}
	}
	if code := call(t, "GET", base, "", &cfgs); code != 200 || len(cfgs) != 1 || cfgs[0].Name != "error" {
		t.Errorf("GET faults = %d %v; want the one error bucket (failed changes change nothing)", code, cfgs)
	}
	if code := call(t, "DELETE", base, "", nil); code != 204 {
		t.Errorf("DELETE faults = %d", code)
	}
	if code := get(t, c, br); code != 200 {
		t.Errorf("after DELETE all: %d; want 200", code)
	}
}

func TestStatsAndReset(t *testing.T) {
	s, ts := newAPI(t)
	backend := newBackend(t)
	p, err := s.Start(Spec{Name: "p", Backend: backend, Faults: []fault.Config{{Name: "error", Percent: 100, Options: map[string]string{"status": "500"}}}})
	if err != nil {
		t.Fatal(err)
	}
	q, err := s.Start(Spec{Name: "q", Backend: backend})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{p.URL(), p.URL(), q.URL()} {
		resp, err := http.Get(u + "/x")
		if err != nil {
			t.Fatal(err)
		}
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
	if _, ok := raw["connections"]; ok {
		t.Errorf("GET /stats over HTTP proxies has connections: %s", b)
	}
	var one map[string]any
	if code := call(t, "GET", ts.URL+"/proxies/q/stats", "", &one); code != 200 || one["requests"] != 1.0 {
		t.Errorf("GET /proxies/q/stats = %d %v", code, one)
	}
	if code := call(t, "DELETE", ts.URL+"/stats", "", nil); code != 204 {
		t.Errorf("DELETE /stats = %d", code)
	}
	if st := s.Stats(); st.Requests != 0 || len(p.Faults()) != 1 {
		t.Errorf("after DELETE /stats: %d requests, faults %v; want 0 and the error fault kept", st.Requests, p.Faults())
	}
	if code := call(t, "POST", ts.URL+"/reset", "", nil); code != 204 {
		t.Errorf("POST /reset = %d", code)
	}
	if st := s.Stats(); st.Requests != 0 || len(p.Faults()) != 0 {
		t.Errorf("after reset: %d requests, faults %v; want none", st.Requests, p.Faults())
	}
}

func TestTCPStats(t *testing.T) {
	s, ts := newAPI(t)
	if _, err := s.Start(Spec{Name: "t", Protocol: "tcp", Backend: newBackend(t)}); err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	call(t, "GET", ts.URL+"/stats", "", &raw)
	if _, ok := raw["connections"]; !ok || raw["requests"] != nil {
		t.Errorf("GET /stats with a TCP proxy = %v; want connections, not requests", raw)
	}
}

func TestFaultKinds(t *testing.T) {
	_, ts := newAPI(t)
	var kinds []kindInfo
	if code := call(t, "GET", ts.URL+"/faults", "", &kinds); code != 200 || len(kinds) != len(fault.Kinds()) {
		t.Errorf("GET /faults = %d, %d kinds", code, len(kinds))
	}
}

func TestLoopbackOnly(t *testing.T) {
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
	s, ts := newAPI(t)
	p, err := s.Start(Spec{Name: "p", Backend: newBackend(t)})
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
		body := `[{"name": "error", "percent": 50, "options": {"status": "503"}}]`
		if i%2 == 1 {
			body = `[]`
		}
		start := time.Now()
		if code := call(t, "PUT", ts.URL+"/proxies/p/faults", body, nil); code != 200 {
			t.Fatalf("PUT = %d", code)
		}
		call(t, "GET", ts.URL+"/stats", "", nil)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("API call took %v under traffic", d)
		}
	}
	close(stop)
	wg.Wait()
}
