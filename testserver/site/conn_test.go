package site

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// pipeConn serves one in-memory connection with srv, inside a synctest
// bubble, so that timeouts run on the bubble's clock. The caller closes the
// client side it returns; the server side is served until it ends.
func pipeConn(srv *Server) net.Conn {
	client, server := net.Pipe()
	go srv.ServeConn(server)
	return client
}

// readAnswer reads one response to method from br, with its body.
func readAnswer(t *testing.T, br *bufio.Reader, method string) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("reading the answer to %s: %v", method, err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the body of the answer to %s: %v", method, err)
	}
	return resp, string(body)
}

// closed reports whether the server has closed c: a read gets EOF.
func closed(c net.Conn) bool {
	_, err := c.Read(make([]byte, 1))
	return errors.Is(err, io.EOF)
}

// TestServerTimeouts: on the bubble's clock, a Server drops a silent new
// connection at ReadHeaderTimeout, a keep-alive connection idle for
// IdleTimeout, and a client that sends a head a byte at a time at
// ReadHeaderTimeout after its first byte, however long it keeps sending.
func TestServerTimeouts(t *testing.T) {
	t.Parallel()
	s := New(Config{Data: fsMap("br/br.gif")})
	const get = "GET /flags/br/br.gif HTTP/1.1\r\nHost: test\r\n\r\n"

	t.Run("silent new connection", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c := pipeConn(NewServer(s))
			defer c.Close()
			start := time.Now()
			if !closed(c) {
				t.Fatal("the connection was not closed")
			}
			if took := time.Since(start); took != ReadHeaderTimeout {
				t.Errorf("a silent new connection was dropped after %v; want %v", took, ReadHeaderTimeout)
			}
		})
	})
	t.Run("idle keep-alive", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c := pipeConn(NewServer(s))
			defer c.Close()
			go io.WriteString(c, get)
			resp, _ := readAnswer(t, bufio.NewReader(c), "GET")
			if resp.StatusCode != 200 || resp.Close {
				t.Fatalf("answer %s, close %v; want 200 and keep-alive", resp.Status, resp.Close)
			}
			start := time.Now()
			if !closed(c) {
				t.Fatal("the connection was not closed")
			}
			if took := time.Since(start); took != IdleTimeout {
				t.Errorf("an idle connection was dropped after %v; want %v", took, IdleTimeout)
			}
		})
	})
	t.Run("a byte a second", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c := pipeConn(NewServer(s))
			defer c.Close()
			br := bufio.NewReader(c)
			go io.WriteString(c, get)
			readAnswer(t, br, "GET")
			time.Sleep(IdleTimeout / 2) // idle, but not for long enough to be dropped
			start := time.Now()
			writing := make(chan struct{})
			defer func() { <-writing }()
			go func() {
				defer close(writing)
				for i := 0; ; i++ {
					if _, err := io.WriteString(c, get[i%len(get):i%len(get)+1]); err != nil {
						return // the server has closed
					}
					time.Sleep(time.Second)
				}
			}()
			if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
				t.Fatalf("read = %v; want EOF, the server closing", err)
			}
			if took := time.Since(start); took != ReadHeaderTimeout {
				t.Errorf("a client sending a byte a second was dropped %v after its first byte; want %v", took, ReadHeaderTimeout)
			}
		})
	})
}

// TestServerWaitEndsWhenClientLeaves: a DELAY wait served by a Server ends
// when its client closes the connection, not when the hour is over.
func TestServerWaitEndsWhenClientLeaves(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := New(Config{Mode: Delay, MinDelay: time.Hour, MaxDelay: time.Hour, Data: fsMap("br/br.gif")})
		c := pipeConn(NewServer(s))
		go io.WriteString(c, "GET /flags/br/br.gif HTTP/1.1\r\nHost: test\r\n\r\n")
		time.Sleep(time.Second)
		synctest.Wait()
		if st := s.Stats(); st.InFlight != 1 {
			t.Fatalf("after 1s, Stats() = %+v; want the request in flight", st)
		}
		c.Close()
		synctest.Wait() // the server has done all it will do at this instant
		if st := s.Stats(); st.Canceled != 1 || st.InFlight != 0 || st.Served != 0 {
			t.Errorf("once the client left, Stats() = %+v; want Canceled 1, InFlight 0, Served 0", st)
		}
	})
}

// TestServerShutdown: Shutdown ends a wait in progress with a 503 that
// closes the connection, drops a connection between requests, and returns
// once both are closed; Serve then returns ErrServerClosed.
func TestServerShutdown(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := New(Config{Mode: Delay, MinDelay: time.Hour, MaxDelay: time.Hour, Data: fsMap("br/br.gif")})
		srv := NewServer(s)
		waiting, silent := pipeConn(srv), pipeConn(srv)
		defer waiting.Close()
		defer silent.Close()
		go io.WriteString(waiting, "GET /flags/br/br.gif HTTP/1.1\r\nHost: test\r\n\r\n")
		synctest.Wait()
		start := time.Now()
		stopped := make(chan error, 1)
		go func() { stopped <- srv.Shutdown(context.Background()) }()
		resp, _ := readAnswer(t, bufio.NewReader(waiting), "GET")
		if resp.StatusCode != 503 || !resp.Close {
			t.Errorf("the waiting client got %s, close %v; want 503 and close", resp.Status, resp.Close)
		}
		if !closed(silent) {
			t.Error("the silent connection is still open")
		}
		if err := <-stopped; err != nil {
			t.Errorf("Shutdown = %v; want nil", err)
		}
		if took := time.Since(start); took != 0 {
			t.Errorf("Shutdown took %v on the bubble's clock; want no time: nothing to wait for", took)
		}
	})
	// Serve needs a real listener: outside the bubble.
	srv := NewServer(New(Config{Data: fsMap("br/br.gif")}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if err := srv.Shutdown(t.Context()); err != nil {
		t.Errorf("Shutdown = %v; want nil", err)
	}
	if err := <-served; !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve = %v; want ErrServerClosed", err)
	}
}

// TestServerWire sends heads exactly as written and checks each answer and
// whether the connection stays open: keep-alive, pipelining, HTTP/1.0, bare
// line feeds, bodies, and malformed heads.
func TestServerWire(t *testing.T) {
	t.Parallel()
	addr := serveConns(t, New(Config{Data: fsMap("br/br.gif")}), nil)
	type want struct {
		status     int
		body       string
		connection string // the Connection field
	}
	tests := []struct {
		name    string
		send    string
		methods []string // of the answers to read
		want    []want
		open    bool // the connection stays open after them
	}{
		{"keep-alive", "GET /flags/br/br.gif HTTP/1.1\r\nHost: t\r\n\r\n", []string{"GET"},
			[]want{{200, "br/br.gif", ""}}, true},
		{"pipelined", "GET /flags/br/br.gif HTTP/1.1\r\nHost: t\r\n\r\nHEAD /flags/br/br.gif HTTP/1.1\r\nHost: t\r\n\r\nGET /nowhere HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
			[]string{"GET", "HEAD", "GET"}, []want{{200, "br/br.gif", ""}, {200, "", ""}, {404, "404 not found\n", "close"}}, false},
		{"HTTP/1.0", "GET /flags/br/br.gif HTTP/1.0\r\n\r\n", []string{"GET"},
			[]want{{200, "br/br.gif", "close"}}, false},
		{"HTTP/1.0 keep-alive", "GET /flags/br/br.gif HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", []string{"GET"},
			[]want{{200, "br/br.gif", "keep-alive"}}, true},
		{"bare line feeds, blank lines first", "\r\n\nGET /flags/br/br.gif HTTP/1.1\nHost: t\n\n", []string{"GET"},
			[]want{{200, "br/br.gif", ""}}, true},
		{"absolute form", "GET http://t/flags/br/br.gif?x=1 HTTP/1.1\r\nHost: t\r\n\r\n", []string{"GET"},
			[]want{{200, "br/br.gif", ""}}, true},
		{"body", "POST /flags/br/br.gif HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello", []string{"POST"},
			[]want{{405, "405 method not allowed\n", "close"}}, false},
		{"HTTP/2.0", "GET /flags/ HTTP/2.0\r\n\r\n", []string{"GET"},
			[]want{{505, "505 HTTP version not supported\n", "close"}}, false},
		{"no version", "GET /flags/\r\n\r\n", []string{"GET"},
			[]want{{400, "400 bad request\n", "close"}}, false},
		{"relative target", "GET flags/ HTTP/1.1\r\n\r\n", []string{"GET"},
			[]want{{400, "400 bad request\n", "close"}}, false},
		{"space before colon", "GET /flags/ HTTP/1.1\r\nHost : t\r\n\r\n", []string{"GET"},
			[]want{{400, "400 bad request\n", "close"}}, false},
		{"folded field", "GET /flags/ HTTP/1.1\r\nHost: t\r\n x\r\n\r\n", []string{"GET"},
			[]want{{400, "400 bad request\n", "close"}}, false},
		{"bad length", "GET /flags/ HTTP/1.1\r\nContent-Length: -1\r\n\r\n", []string{"GET"},
			[]want{{400, "400 bad request\n", "close"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			io.WriteString(c, tt.send)
			br := bufio.NewReader(c)
			for i, w := range tt.want {
				resp, body := readAnswer(t, br, tt.methods[i])
				connection := resp.Header.Get("Connection")
				if resp.Close { // ReadResponse takes "close" out of the header
					connection = "close"
				}
				if resp.StatusCode != w.status || body != w.body || connection != w.connection {
					t.Errorf("answer %d = %d %q, Connection %q; want %d %q, Connection %q",
						i, resp.StatusCode, body, connection, w.status, w.body, w.connection)
				}
				if _, err := http.ParseTime(resp.Header.Get("Date")); err != nil {
					t.Errorf("answer %d: Date %q: %v", i, resp.Header.Get("Date"), err)
				}
			}
			if !tt.open {
				if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
					t.Errorf("after the answers, read = %v; want EOF", err)
				}
				return
			}
			io.WriteString(c, "GET /flags/br/br.gif HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
			if resp, body := readAnswer(t, br, "GET"); resp.StatusCode != 200 || body != "br/br.gif" {
				t.Errorf("a further request on the connection got %d %q; want 200", resp.StatusCode, body)
			}
		})
	}
}

// TestServerManyConnections holds thousands of connections at once in a
// DELAY wait of an hour on a Server, then closes every client: all of them
// were in flight together, and every wait ends when its client leaves.
func TestServerManyConnections(t *testing.T) {
	t.Parallel()
	n := 2000
	if raceEnabled || testing.Short() {
		n = 1000 // the race detector allows 8128 goroutines; a waiting connection takes 2
	}
	s := New(Config{Mode: Delay, MinDelay: time.Hour, MaxDelay: time.Hour, Data: fsMap("br/br.gif")})
	addr := serveConns(t, s, nil)
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("after %d connections: %v", len(conns), err)
		}
		conns = append(conns, c)
		if _, err := io.WriteString(c, "GET /flags/br/br.gif HTTP/1.1\r\nHost: t\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "every request to be waiting", func() bool { return s.Stats().InFlight == int64(n) })
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() { c.Close() })
	}
	wg.Wait()
	waitFor(t, "every wait to end", func() bool { return s.Stats().InFlight == 0 })
	if st := s.Stats(); st.MaxInFlight != int64(n) || st.Canceled != int64(n) || st.Served != 0 {
		t.Errorf("Stats() = %+v; want MaxInFlight %d, Canceled %d, Served 0", st, n, n)
	}
}

// waitFor polls cond, for state only the server's side can see.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestHeadEnd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int
	}{
		{"", -1},
		{"GET / HTTP/1.1\r\n", -1},
		{"GET / HTTP/1.1\r\n\r\n", 18},
		{"GET / HTTP/1.1\n\nrest", 16},
		{"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET", 27},
		{"GET / HTTP/1.1\r\nHost: x\r\n\r", -1},
	}
	for _, tt := range tests {
		if got := headEnd([]byte(tt.in)); got != tt.want {
			t.Errorf("headEnd(%q) = %d; want %d", tt.in, got, tt.want)
		}
	}
}
