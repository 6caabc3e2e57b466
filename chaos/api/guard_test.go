package api

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// send makes one API request with the given headers and returns its status
// and body.
func send(t *testing.T, method, url, body string, h map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	for k, v := range h {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Issue 16 §4: a web page could drive the API. The reproduction sent
// text/plain from an evil Origin with an evil Host and got 201 and a
// serving proxy; each of the three marks is now enough to be refused, and
// so is a browser's user agent.
func TestGuardRefusesBrowsers(t *testing.T) {
	t.Parallel()
	s, ts := newAPI(t)
	backend := newBackend(t)
	spec := `{"name":"x","backend":"` + backend + `","listen":"127.0.0.1:0"}`
	jsonCT := map[string]string{"Content-Type": "application/json"}
	with := func(k, v string) map[string]string {
		h := map[string]string{"Content-Type": "application/json", k: v}
		return h
	}
	for _, tt := range []struct {
		name string
		h    map[string]string
		want int
	}{
		{"the reproduction", map[string]string{"Content-Type": "text/plain", "Origin": "http://evil.example", "Host": "evil.example"}, 403},
		{"text/plain", map[string]string{"Content-Type": "text/plain"}, 415},
		{"form", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415},
		{"no content type", map[string]string{}, 415},
		{"evil Origin", with("Origin", "http://evil.example"), 403},
		{"null Origin", with("Origin", "null"), 403},
		{"rebound Host", with("Host", "evil.example:8090"), 403},
		{"rebound Host without port", with("Host", "evil.example"), 403},
		{"browser", with("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"), 403},
	} {
		code, body := send(t, "POST", ts.URL+"/proxies", spec, tt.h)
		if code != tt.want || !strings.Contains(body, `"error"`) {
			t.Errorf("%s: POST /proxies = %d %s; want %d with an error", tt.name, code, body, tt.want)
		}
	}
	if ps := s.Proxies(); len(ps) != 0 {
		t.Fatalf("refused requests created %d proxies", len(ps))
	}
	// What tools send is accepted: JSON from curl or a Toxiproxy client,
	// Host a loopback name or the address itself, and a body-less POST.
	for _, h := range []map[string]string{
		jsonCT,
		with("User-Agent", "toxiproxy-cli"),
		with("Host", "localhost:8474"),
		with("Origin", ts.URL),
		{"Content-Type": "application/json; charset=utf-8"},
	} {
		code, body := send(t, "POST", ts.URL+"/proxies", spec, h)
		if code != 201 {
			t.Errorf("POST /proxies with %v = %d %s; want 201", h, code, body)
		}
		send(t, "DELETE", ts.URL+"/proxies/x", "", nil)
	}
	if code, body := send(t, "POST", ts.URL+"/reset", "", nil); code != 204 {
		t.Errorf("POST /reset without a body = %d %s; want 204", code, body)
	}
}

// A body over the limit is 413, not a parse error or a 2 GB parse.
func TestGuardBodyLimit(t *testing.T) {
	t.Parallel()
	_, ts := newAPI(t)
	huge := `{"name":"x","backend":"127.0.0.1:1","faults":[{"name":"error","percent":1,"options":{"status":"` +
		strings.Repeat("100-599,", maxBody/8) + `"}}]}`
	code, body := send(t, "POST", ts.URL+"/proxies", huge, map[string]string{"Content-Type": "application/json"})
	if code != 413 {
		t.Errorf("POST of %d bytes = %d %.80s; want 413", len(huge), code, body)
	}
}

// Proxies created through the API listen on loopback only, unless chaos
// runs with the public option.
func TestGuardLoopbackProxies(t *testing.T) {
	t.Parallel()
	_, ts := newAPI(t)
	backend := newBackend(t)
	for _, listen := range []string{"0.0.0.0:0", "[::]:0", ":0", "192.0.2.1:0", "example.com:0"} {
		body := `{"name":"x","backend":"` + backend + `","listen":"` + listen + `"}`
		if code, got := send(t, "POST", ts.URL+"/proxies", body, map[string]string{"Content-Type": "application/json"}); code != 403 {
			t.Errorf("create a proxy on %s = %d %s; want 403", listen, code, got)
		}
	}
	open := New(Options{AllowRemote: true})
	defer open.Close()
	ots := httptest.NewServer(open.Handler())
	defer ots.Close()
	body := `{"name":"x","backend":"` + backend + `","listen":"0.0.0.0:0"}`
	if code, got := send(t, "POST", ots.URL+"/proxies", body, map[string]string{"Content-Type": "application/json"}); code != 201 {
		t.Errorf("with the public option, a proxy on 0.0.0.0 = %d %s; want 201", code, got)
	}
}
