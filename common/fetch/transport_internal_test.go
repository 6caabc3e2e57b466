package fetch

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

// TestTransportFallback: what the transport does not take goes to its
// http.Transport unchanged; here, a request while a proxy is set reaches
// the proxy, as it would with net/http alone.
func TestTransportFallback(t *testing.T) {
	var asked string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = r.URL.String()
		io.WriteString(w, "via the proxy")
	}))
	defer proxy.Close()
	proxyURL, _ := url.Parse(proxy.URL)

	tr := newDefaultTransport(1, time.Second)
	tr.fallback.Proxy = http.ProxyURL(proxyURL)
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr}).Get("http://flags.invalid/ad/ad.gif")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(body) != "via the proxy" || asked != "http://flags.invalid/ad/ad.gif" {
		t.Errorf("got %q, the proxy was asked for %q; want the proxy's answer for the flag's URL", body, asked)
	}
}

// TestTransportTakes lists what the transport sends itself.
func TestTransportTakes(t *testing.T) {
	tr := newDefaultTransport(1, time.Second)
	get := func(method, u string, header http.Header) *http.Request {
		r, err := http.NewRequest(method, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range header {
			r.Header[k] = v
		}
		return r
	}
	tests := []struct {
		req  *http.Request
		want bool
	}{
		{get("GET", "http://127.0.0.1:8001/flags/ad/ad.gif", nil), true},
		{get("HEAD", "http://localhost/flags/", nil), true},
		{get("GET", "https://127.0.0.1:8001/flags/ad/ad.gif", nil), false},
		{get("POST", "http://127.0.0.1:8001/", nil), false},
		{get("GET", "http://127.0.0.1:8001/", http.Header{"Range": {"bytes=0-9"}}), false},
	}
	for _, tt := range tests {
		if got := tr.takes(tt.req); got != tt.want {
			t.Errorf("takes(%s %s %v) = %v; want %v", tt.req.Method, tt.req.URL, tt.req.Header, got, tt.want)
		}
	}
}
