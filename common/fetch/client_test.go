package fetch_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"flagsuite/common/fetch"
)

// fastRetries keeps real-network retry tests quick: waits of a microsecond.
var fastRetries = fetch.Config{Retries: 2, BackoffBase: time.Microsecond, BackoffCap: time.Microsecond}

func TestGetStatus(t *testing.T) {
	tests := []struct {
		name         string
		code         int
		wantErr      string // "" for success
		wantNotFound bool
		wantAttempts int // with Retries: 2
	}{
		{"ok", http.StatusOK, "", false, 1},
		{"not found is final", http.StatusNotFound, "HTTP error 404 - Not Found", true, 1},
		{"forbidden is final", http.StatusForbidden, "HTTP error 403 - Forbidden", false, 1},
		{"teapot is retried", http.StatusTeapot, "HTTP error 418 - I'm a teapot", false, 3},
		{"server error is retried", http.StatusInternalServerError, "HTTP error 500 - Internal Server Error", false, 3},
		{"unavailable is retried", http.StatusServiceUnavailable, "HTTP error 503 - Service Unavailable", false, 3},
		{"too many requests is retried", http.StatusTooManyRequests, "HTTP error 429 - Too Many Requests", false, 3},
		{"request timeout is retried", http.StatusRequestTimeout, "HTTP error 408 - Request Timeout", false, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int64
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				if tt.code != http.StatusOK {
					http.Error(w, http.StatusText(tt.code), tt.code)
					return
				}
				io.WriteString(w, "GIF89a-flag")
			}))
			c := fetch.New(fastRetries)
			resp, err := c.Get(context.Background(), srv.URL+"/br/br.gif", fetch.Semaphore(1))

			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Get = %v; want no error", err)
				}
				if string(resp.Body) != "GIF89a-flag" {
					t.Errorf("Body = %q; want %q", resp.Body, "GIF89a-flag")
				}
			} else {
				var he *fetch.HTTPError
				if !errors.As(err, &he) {
					t.Fatalf("Get error = %v (%T); want *fetch.HTTPError", err, err)
				}
				if got := err.Error(); got != tt.wantErr {
					t.Errorf("Error() = %q; want %q", got, tt.wantErr)
				}
				if got := fetch.Describe(err); got != tt.wantErr {
					t.Errorf("Describe = %q; want %q", got, tt.wantErr)
				}
				if resp.Body != nil {
					t.Errorf("Body = %q; want nil on error", resp.Body)
				}
			}
			if got := fetch.IsNotFound(err); got != tt.wantNotFound {
				t.Errorf("IsNotFound = %v; want %v", got, tt.wantNotFound)
			}
			if resp.StatusCode != tt.code {
				t.Errorf("StatusCode = %d; want %d", resp.StatusCode, tt.code)
			}
			if resp.Attempts != tt.wantAttempts || hits.Load() != int64(tt.wantAttempts) {
				t.Errorf("Attempts = %d, server saw %d; want %d", resp.Attempts, hits.Load(), tt.wantAttempts)
			}
			if resp.Latency <= 0 {
				t.Errorf("Latency = %v; want > 0", resp.Latency)
			}
		})
	}
}

// hijack takes over the connection of a request so a test can answer with
// bytes no well-behaved handler would send.
func hijack(t *testing.T, w http.ResponseWriter) (net.Conn, *bufio.ReadWriter) {
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Errorf("Hijack: %v", err)
		panic(http.ErrAbortHandler)
	}
	return conn, rw
}

// reset closes conn with SO_LINGER 0, so the peer gets a TCP RST.
func reset(conn net.Conn) {
	conn.(*net.TCPConn).SetLinger(0)
	conn.Close()
}

func TestGetNetworkFailures(t *testing.T) {
	refused := func(t *testing.T) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close() // nothing listens there any more
		return "http://" + addr + "/br/br.gif"
	}
	served := func(h func(t *testing.T, w http.ResponseWriter, r *http.Request)) func(t *testing.T) string {
		return func(t *testing.T) string {
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h(t, w, r) }))
			return srv.URL + "/br/br.gif"
		}
	}
	tests := []struct {
		name     string
		url      func(t *testing.T) string
		describe string
		is       error // errors.Is(err, is) must hold when not nil
	}{
		{
			name:     "connection refused",
			url:      refused,
			describe: "connection refused",
			is:       syscall.ECONNREFUSED,
		},
		{
			name: "reset before the answer",
			url: served(func(t *testing.T, w http.ResponseWriter, r *http.Request) {
				conn, _ := hijack(t, w)
				reset(conn)
			}),
			describe: "connection reset",
			is:       syscall.ECONNRESET,
		},
		{
			name: "reset in the body",
			url: served(func(t *testing.T, w http.ResponseWriter, r *http.Request) {
				conn, rw := hijack(t, w)
				rw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n" + strings.Repeat("x", 100))
				rw.Flush()
				// Whether the client reads the headers before the reset
				// arrives or not, it must say the same.
				reset(conn)
			}),
			describe: "connection reset",
			is:       syscall.ECONNRESET,
		},
		{
			name: "body truncated",
			url: served(func(t *testing.T, w http.ResponseWriter, r *http.Request) {
				conn, rw := hijack(t, w)
				rw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n" + strings.Repeat("x", 100))
				rw.Flush()
				conn.Close()
			}),
			describe: "body truncated: 100 of 2000 bytes",
		},
		{
			name: "closed without an answer",
			url: served(func(t *testing.T, w http.ResponseWriter, r *http.Request) {
				conn, _ := hijack(t, w)
				conn.Close()
			}),
			describe: "connection closed by server",
			is:       io.EOF,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := tt.url(t)
			c := fetch.New(fastRetries)
			resp, err := c.Get(context.Background(), url, nil)
			if err == nil {
				t.Fatalf("Get(%s) = %d, %d bytes; want an error", tt.name, resp.StatusCode, len(resp.Body))
			}
			if got := fetch.Describe(err); got != tt.describe {
				t.Errorf("Describe(%v) = %q; want %q", err, got, tt.describe)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(%v, %v) = false; want true", err, tt.is)
			}
			if fetch.IsNotFound(err) || errors.Is(err, fetch.ErrTimeout) || errors.Is(err, context.Canceled) {
				t.Errorf("error %v reads as not found, timeout or cancelled; want none", err)
			}
			if resp.Attempts != 3 {
				t.Errorf("Attempts = %d; want 3 (network failures are retried)", resp.Attempts)
			}
		})
	}
}

func TestGetTruncatedError(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, rw := hijack(t, w)
		rw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n" + strings.Repeat("x", 100))
		rw.Flush()
		conn.Close()
	}))
	_, err := fetch.New(fetch.Config{}).Get(context.Background(), srv.URL, nil)
	var te *fetch.TruncatedError
	if !errors.As(err, &te) || te.Got != 100 || te.Want != 2000 || te.URL != srv.URL {
		t.Errorf("Get error = %#v; want *TruncatedError{URL: %q, Got: 100, Want: 2000}", err, srv.URL)
	}
}

func TestGetTimeout(t *testing.T) {
	stop := make(chan struct{})
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // hang until the client gives up
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	t.Cleanup(func() { close(stop) }) // runs before srv.Close

	const timeout = 50 * time.Millisecond
	c := fetch.New(fetch.Config{Timeout: timeout})
	resp, err := c.Get(context.Background(), srv.URL, nil)

	var te *fetch.TimeoutError
	if !errors.As(err, &te) || te.After != timeout {
		t.Fatalf("Get error = %v (%T); want *TimeoutError after %v", err, err, timeout)
	}
	if !errors.Is(err, fetch.ErrTimeout) || errors.Is(err, context.Canceled) {
		t.Errorf("errors.Is(err, ErrTimeout), errors.Is(err, Canceled) = %v, %v; want true, false",
			errors.Is(err, fetch.ErrTimeout), errors.Is(err, context.Canceled))
	}
	if got, want := fetch.Describe(err), "timeout after 50ms"; got != want {
		t.Errorf("Describe = %q; want %q", got, want)
	}
	if resp.Latency < timeout {
		t.Errorf("Latency = %v; want at least the timeout %v", resp.Latency, timeout)
	}
}

func TestGetCancelledWhileServerHangs(t *testing.T) {
	stop := make(chan struct{})
	arrived := make(chan struct{}, 1)
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	t.Cleanup(func() { close(stop) })

	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-arrived; cancel() }()
	resp, err := fetch.New(fetch.Config{Retries: 5}).Get(ctx, srv.URL, nil)
	if !errors.Is(err, context.Canceled) || errors.Is(err, fetch.ErrTimeout) {
		t.Errorf("Get error = %v; want one matching context.Canceled and not ErrTimeout", err)
	}
	if got := fetch.Describe(err); got != "cancelled" {
		t.Errorf("Describe = %q; want %q", got, "cancelled")
	}
	if resp.Attempts != 1 {
		t.Errorf("Attempts = %d; want 1 (no retry after cancel)", resp.Attempts)
	}
}

func TestGetBadURL(t *testing.T) {
	tests := []struct{ url, describe string }{
		{"ftp://localhost/br.gif", `unsupported protocol scheme "ftp"`},
		{"http://[::1", `bad URL: missing ']' in host`},
	}
	for _, tt := range tests {
		resp, err := fetch.New(fastRetries).Get(context.Background(), tt.url, nil)
		if err == nil {
			t.Errorf("Get(%q) = no error; want one", tt.url)
			continue
		}
		if got := fetch.Describe(err); got != tt.describe {
			t.Errorf("Describe(Get(%q)) = %q; want %q", tt.url, got, tt.describe)
		}
		if resp.Attempts != 1 {
			t.Errorf("Get(%q).Attempts = %d; want 1 (a bad URL stays bad)", tt.url, resp.Attempts)
		}
	}
}

func TestGetBodyTooLarge(t *testing.T) {
	tests := []struct {
		name string
		h    http.HandlerFunc
	}{
		{"announced", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", fmt.Sprint(fetch.DefaultMaxBodySize+1))
			w.WriteHeader(http.StatusOK) // and no body: the client must not wait for it
		}},
		{"chunked", func(w http.ResponseWriter, r *http.Request) {
			chunk := make([]byte, 1<<20)
			for range fetch.DefaultMaxBodySize>>20 + 1 {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, tt.h)
			resp, err := fetch.New(fastRetries).Get(context.Background(), srv.URL, nil)
			var tle *fetch.TooLargeError
			if !errors.As(err, &tle) {
				t.Fatalf("Get error = %v; want *TooLargeError", err)
			}
			if got, want := fetch.Describe(err), "body too large: over 1 MiB"; got != want {
				t.Errorf("Describe = %q; want %q", got, want)
			}
			if resp.Attempts != 1 {
				t.Errorf("Attempts = %d; want 1 (too large is not retried)", resp.Attempts)
			}
		})
	}
}

func TestGetGateCancelled(t *testing.T) {
	gate := fetch.Semaphore(1)
	if err := gate.Acquire(context.Background()); err != nil { // the only slot
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	resp, err := fetch.New(fetch.Config{}).Get(ctx, "http://127.0.0.1:1/", gate)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Get error = %v; want context.Canceled", err)
	}
	if resp.Attempts != 0 {
		t.Errorf("Attempts = %d; want 0 (never passed the gate)", resp.Attempts)
	}
}

// batches is a handler that holds requests until n have arrived, then
// answers them together, the way a server with a fixed delay does. The
// answers land at once, so every connection goes idle at the same moment:
// what a small idle pool handles worst.
func batches(n int, body []byte) http.HandlerFunc {
	var mu sync.Mutex // guards arrived and release
	arrived := 0
	release := make(chan struct{})
	return func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		mine := release
		arrived++
		if arrived%n == 0 {
			close(release)
			release = make(chan struct{})
		}
		mu.Unlock()
		select {
		case <-mine:
		case <-r.Context().Done():
			return
		}
		w.Write(body)
	}
}

// getAll makes requests Gets of url through c, conc at a time.
func getAll(t *testing.T, c *fetch.Client, url string, requests, conc int) {
	t.Helper()
	gate := fetch.Semaphore(int64(conc))
	var wg sync.WaitGroup
	for range requests {
		wg.Go(func() {
			if _, err := c.Get(context.Background(), url, gate); err != nil {
				t.Errorf("Get: %v", err)
			}
		})
	}
	wg.Wait()
}

// TestConnectionReuse: 200 requests, 20 at a time, must not open more than
// 20 connections. The server answers in batches so that the first 20
// requests all dial before any connection frees up; otherwise a request
// still dialing may be handed an idle connection and park its own, a
// spare that Go's transport opens however it is tuned.
func TestConnectionReuse(t *testing.T) {
	const requests, conc = 200, 20
	body := bytes.Repeat([]byte("f"), 12<<10)
	var newConns atomic.Int64
	srv := httptest.NewUnstartedServer(batches(conc, body))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			newConns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	c := fetch.New(fetch.Config{Concurrency: conc})
	defer c.CloseIdle()
	getAll(t, c, srv.URL, requests, conc)

	opened, reused := c.Conns()
	if opened > conc {
		t.Errorf("Conns() opened = %d for %d requests at %d at a time; want at most %d", opened, requests, conc, conc)
	}
	if opened+reused != requests {
		t.Errorf("Conns() = %d opened + %d reused; want a sum of %d", opened, reused, requests)
	}
	if n := newConns.Load(); n > conc {
		t.Errorf("server saw %d connections for %d requests at %d at a time; want at most %d", n, requests, conc, conc)
	}
}

// TestIdlePoolSize shows why the transport is tuned: when 20 connections go
// idle together (a wave of answers, then a pause), Go's default transport
// keeps 2 of them and the next wave dials 18 again. The server answers each
// wave only once all 20 requests are in, so no connection frees up while
// another request dials and the counts are exact.
func TestIdlePoolSize(t *testing.T) {
	const waves, conc = 5, 20
	srv := newServer(t, batches(conc, []byte("flag")))
	run := func(c *fetch.Client) (opened int64) {
		defer c.CloseIdle()
		for range waves {
			getAll(t, c, srv.URL, conc, conc)
		}
		opened, _ = c.Conns()
		return opened
	}
	if got := run(fetch.New(fetch.Config{Concurrency: conc})); got != conc {
		t.Errorf("tuned client opened %d connections in %d waves of %d; want %d", got, waves, conc, conc)
	}
	want := int64(conc + (waves-1)*(conc-http.DefaultMaxIdleConnsPerHost))
	if got := run(fetch.New(fetch.Config{Transport: &http.Transport{}})); got != want {
		t.Errorf("default transport opened %d connections in %d waves of %d; want %d", got, waves, conc, want)
	}
}

func TestSemaphoreBelowOnePanics(t *testing.T) {
	t.Parallel()
	for _, n := range []int64{0, -1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Semaphore(%d) did not panic; a gate that never opens is a programming error", n)
				}
			}()
			fetch.Semaphore(n)
		}()
	}
}
