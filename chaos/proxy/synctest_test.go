package proxy

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

	"flagsuite/chaos/fault"
)

// pipeListener is a net.Listener fed with in-memory connections, so a whole
// client → proxy → backend path runs inside a synctest bubble.
type pipeListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error   { l.once.Do(func() { close(l.done) }); return nil }
func (l *pipeListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80} }

func (l *pipeListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	c, s := net.Pipe()
	select {
	case l.conns <- s:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// bubble runs a backend that answers every request with size bytes and a
// proxy with faults in front of it, all in memory; roundTrip sends one
// request through and returns the response head, the body read and when.
type bubble struct {
	p   *Proxy
	srv *http.Server
	ln  *pipeListener
}

func newBubble(t *testing.T, size int, faults ...fault.Config) *bubble {
	ln := newPipeListener()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(body(size))
	})}
	go srv.Serve(ln)
	p, err := New(Config{Backend: "backend:80", Dial: ln.dial, Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	b := &bubble{p: p, srv: srv, ln: ln}
	t.Cleanup(func() {
		p.Close()
		srv.Close()
		ln.Close()
	})
	return b
}

// conn opens a client connection to the proxy.
func (b *bubble) conn() (net.Conn, *bufio.Reader) {
	c, s := net.Pipe()
	b.p.ServeConn(s)
	return c, bufio.NewReader(c)
}

func roundTrip(c net.Conn, br *bufio.Reader) (*http.Response, []byte, error) {
	go c.Write([]byte("GET /flags/br/br.gif HTTP/1.1\r\nHost: x\r\n\r\n"))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return nil, nil, err
	}
	got, err := io.ReadAll(resp.Body)
	return resp, got, err
}

func TestSynctestDelay(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		b := newBubble(t, 100, oneFault("delay", 100, "sleep", ".5"))
		c, br := b.conn()
		defer c.Close()
		for range 3 {
			start := time.Now()
			resp, got, err := roundTrip(c, br)
			if err != nil || resp.StatusCode != 200 || len(got) != 100 {
				t.Fatalf("GET = %v, %d bytes, %v", resp, len(got), err)
			}
			if d := time.Since(start); d != 500*time.Millisecond {
				t.Errorf("delay .5 took %v; want exactly 500ms", d)
			}
		}
	})
}

func TestSynctestSlow(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		b := newBubble(t, 10_000, oneFault("slow", 100, "rate", "1000"))
		c, br := b.conn()
		defer c.Close()
		start := time.Now()
		_, got, err := roundTrip(c, br)
		d := time.Since(start)
		// About 10 100 bytes (head and body) in 100-byte slices at 1000 B/s.
		if err != nil || len(got) != 10_000 || d < 10*time.Second || d > 10100*time.Millisecond {
			t.Errorf("slow 1000: %d bytes, %v after %v; want 10000 after about 10s", len(got), err, d)
		}
	})
}

func TestSynctestHangMax(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		b := newBubble(t, 10, oneFault("hang", 100, "max", "30"))
		c, br := b.conn()
		defer c.Close()
		start := time.Now()
		_, _, err := roundTrip(c, br)
		if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("hang max 30: %v; want the connection closed", err)
		}
		if d := time.Since(start); d != 30*time.Second {
			t.Errorf("hang max 30 closed after %v; want exactly 30s", d)
		}
	})
}

func TestSynctestIdleTimeout(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		b := newBubble(t, 10)
		c, br := b.conn()
		defer c.Close()
		if _, _, err := roundTrip(c, br); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if _, err := br.ReadByte(); err == nil {
			t.Fatalf("read a byte from an idle connection")
		}
		// Closed after the default idle timeout (plus the linger wait).
		if d := time.Since(start); d < 2*time.Minute || d > 2*time.Minute+time.Second {
			t.Errorf("idle connection closed after %v; want 2m", d)
		}
	})
}

// Issue 16 §6: a client sending its head a byte a second was held until the
// idle timeout (2m; for ever with no idle timeout). The head must now be in
// within the header timeout, counted from its first byte, whatever the
// idle timeout; a client idle between requests still gets the idle timeout.
func TestSynctestHeaderTimeout(t *testing.T) {
	t.Parallel()
	for _, idle := range []time.Duration{0, -1} {
		synctest.Test(t, func(t *testing.T) {
			b := newBubble(t, 10)
			b.p.cfg.IdleTimeout = idle
			if idle == 0 {
				b.p.cfg.IdleTimeout = 2 * time.Minute
			}
			c, br := b.conn()
			defer c.Close()
			closed := make(chan time.Time, 1)
			go func() {
				br.ReadByte() // returns once the proxy closes
				closed <- time.Now()
			}()
			start := time.Now()
			head := "GET /flags/br/br.gif HTTP/1.1\r\nHost: x\r\n\r\n"
			for i := 0; i < len(head); i++ {
				if _, err := c.Write([]byte{head[i]}); err != nil {
					break // closed
				}
				time.Sleep(time.Second)
			}
			got := <-closed
			if d := got.Sub(start); d != 10*time.Second {
				t.Errorf("idle timeout %v: a head trickling a byte a second was dropped after %v; want 10s", idle, d)
			}
		})
	}
	synctest.Test(t, func(t *testing.T) {
		b := newBubble(t, 10)
		b.p.cfg.HeaderTimeout = 3 * time.Second
		c, br := b.conn()
		defer c.Close()
		// A head in two pieces, 2s apart, is within 3s: answered.
		go func() {
			c.Write([]byte("GET /x HTTP/1.1\r\n"))
			time.Sleep(2 * time.Second)
			c.Write([]byte("Host: x\r\n\r\n"))
		}()
		resp, err := http.ReadResponse(br, nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("a head in two pieces 2s apart: %v, %v; want 200", resp, err)
		}
		io.Copy(io.Discard, resp.Body)
		// Then idle for a minute: the header timeout does not apply.
		time.Sleep(time.Minute)
		if _, _, err := roundTrip(c, br); err != nil {
			t.Errorf("a request after a minute idle: %v; want it answered (idle timeout 2m)", err)
		}
	})
}
