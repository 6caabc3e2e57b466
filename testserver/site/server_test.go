package site

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// serve runs h with NewServer's limits on a loopback port; adjust may
// shorten them for the test.
func serve(t *testing.T, h http.Handler, adjust func(*http.Server)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewHTTPServer(h)
	if adjust != nil {
		adjust(srv)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// serveConns runs s on a Server, with its limits adjusted for the test, on
// a loopback port, and returns the address.
func serveConns(t testing.TB, s *Site, adjust func(*Server)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(s)
	if adjust != nil {
		adjust(srv)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// TestSilentClientIsDropped: a client that connects and sends no complete
// request header is disconnected after ReadHeaderTimeout.
func TestSilentClientIsDropped(t *testing.T) {
	t.Parallel()
	addrs := []string{
		serve(t, New(Config{Data: fsMap("br/br.gif")}), func(s *http.Server) { s.ReadHeaderTimeout = 50 * time.Millisecond }),
		serveConns(t, New(Config{Data: fsMap("br/br.gif")}), func(s *Server) { s.ReadHeaderTimeout = 50 * time.Millisecond }),
	}
	for _, addr := range addrs {
		for _, sent := range []string{"", "GET /flags/br/br.gif HTTP/1.1\r\nHost: te"} {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(c, sent)
			c.SetReadDeadline(time.Now().Add(10 * time.Second)) // the test's own safety net
			_, err = io.ReadAll(c)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Errorf("after sending %q, the server still held the connection after 10s; want it dropped", sent)
			}
			c.Close()
		}
	}
}

func TestHugeHeaderIsRefused(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{
		serve(t, New(Config{Data: fsMap("br/br.gif")}), nil),
		serveConns(t, New(Config{Data: fsMap("br/br.gif")}), nil),
	} {
		hugeHeader(t, addr)
	}
}

func hugeHeader(t *testing.T, addr string) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	// Write in the background: the server may answer and close before
	// reading it all.
	go io.WriteString(c, "GET /flags/ HTTP/1.1\r\nHost: test\r\nX-Big: "+strings.Repeat("x", 4*MaxHeaderBytes)+"\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("status = %d; want 431", resp.StatusCode)
	}
}

// TestManyClientsLeaveADelayServer holds thousands of connections at once
// on a DELAY site whose delay is an hour, then lets every client go: all of
// them were in the handler together, and every wait ends when its client
// leaves.
func TestManyClientsLeaveADelayServer(t *testing.T) {
	t.Parallel()
	n := 2000
	if raceEnabled || testing.Short() {
		n = 1000 // the race detector allows 8128 goroutines; each connection takes about 5
	}
	s := New(Config{Mode: Delay, MinDelay: time.Hour, MaxDelay: time.Hour, Data: fsMap("br/br.gif")})
	entered := make(chan struct{}, n)
	returned := make(chan struct{}, n)
	addr := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		s.ServeHTTP(w, r)
		returned <- struct{}{}
	}), nil)

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: -1}}
	ctx, leave := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+addr+"/flags/br/br.gif", nil)
			resp, err := client.Do(req)
			if err == nil {
				resp.Body.Close()
				t.Errorf("a client got %s after an hour's delay; want it to have left", resp.Status)
			}
		})
	}
	deadline := time.After(30 * time.Second)
	for i := range n {
		select {
		case <-entered:
		case <-deadline:
			t.Fatalf("only %d of %d requests reached the handler in 30s", i, n)
		}
	}
	leave()
	wg.Wait()
	for i := range n {
		select {
		case <-returned:
		case <-deadline:
			t.Fatalf("only %d of %d handlers returned after their clients left", i, n)
		}
	}
	st := s.Stats()
	if st.MaxInFlight != int64(n) || st.Canceled != int64(n) || st.InFlight != 0 {
		t.Errorf("Stats() = %+v; want MaxInFlight %d, Canceled %d, InFlight 0", st, n, n)
	}
}
