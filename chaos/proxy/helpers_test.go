package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"flagsuite/chaos/fault"
)

// backend is an in-process HTTP server on 127.0.0.1:0:
//
//	/size/N   N bytes of body
//	/echo     the request body back
//	/chunked  a chunked body
//	/status/N an empty response with status N
//	other     "hello <path>"
type backend struct {
	*httptest.Server
	hits atomic.Int64
}

func newBackend(t testing.TB) *backend {
	t.Helper()
	b := &backend{}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.hits.Add(1)
		switch {
		case strings.HasPrefix(r.URL.Path, "/size/"):
			n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/size/"))
			w.Header().Set("Content-Length", strconv.Itoa(n))
			w.Write(body(n))
		case r.URL.Path == "/echo":
			io.Copy(w, r.Body)
		case r.URL.Path == "/chunked":
			for i := range 3 {
				fmt.Fprintf(w, "part %d\n", i)
				w.(http.Flusher).Flush()
			}
		case strings.HasPrefix(r.URL.Path, "/status/"):
			n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/status/"))
			w.WriteHeader(n)
		default:
			fmt.Fprintf(w, "hello %s", r.URL.Path)
		}
	}))
	t.Cleanup(b.Close)
	return b
}

func (b *backend) addr() string { return strings.TrimPrefix(b.URL, "http://") }

// body is n bytes of a repeating pattern, so cuts and reorders show.
func body(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = "0123456789abcdefghijklmnopqrstuvwxyz"[i%36]
	}
	return b
}

// start runs a proxy on 127.0.0.1:0 until the test ends.
func start(t testing.TB, cfg Config) *Proxy {
	t.Helper()
	p, err := Listen(cfg, "127.0.0.1:0")
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// startHTTP puts an HTTP proxy with the given --behavior-like faults in
// front of b.
func startHTTP(t testing.TB, b *backend, faults ...fault.Config) *Proxy {
	t.Helper()
	return start(t, Config{Backend: b.addr(), Faults: faults})
}

// client returns an HTTP client with its own connection pool.
func client(t testing.TB, timeout time.Duration) *http.Client {
	t.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: timeout}
}

func get(t testing.TB, c *http.Client, url string) (int, string, error) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// rawConn is one client connection driven by hand, to control keep-alive.
type rawConn struct {
	net.Conn
	br *bufio.Reader
}

func dialRaw(t testing.TB, addr string) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{c, bufio.NewReader(c)}
}

// get sends one GET on the connection and reads the whole response.
func (c *rawConn) get(path string) (*http.Response, []byte, error) {
	req := "GET " + path + " HTTP/1.1\r\nHost: chaos.test\r\n\r\n"
	if _, err := c.Write([]byte(req)); err != nil {
		return nil, nil, err
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return nil, nil, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, b, err
}

func oneFault(name string, pct float64, opts ...string) fault.Config {
	c := fault.Config{Name: name, Percent: pct}
	for i := 0; i+1 < len(opts); i += 2 {
		if c.Options == nil {
			c.Options = map[string]string{}
		}
		c.Options[opts[i]] = opts[i+1]
	}
	return c
}

func faults(cs ...fault.Config) []fault.Config { return cs }
