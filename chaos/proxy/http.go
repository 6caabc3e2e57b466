package proxy

import (
	"bufio"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"syscall"
	"time"

	"flagsuite/chaos/wire"
)

const (
	clientReaderSize  = 4 << 10                // request heads; bodies bypass it
	backendReaderSize = 16 << 10               // response heads and the start of bodies: a 12 KB flag arrives in one read
	relayBufSize      = 32 << 10               // the buffer bodies are copied through
	spliceMin         = 64 << 10               // rest of a body worth splicing; less goes through relayBuf
	maxDiscard        = 1 << 20                // request body drained to keep a connection after not forwarding it
	lingerTime        = 100 * time.Millisecond // after a final response, wait this long for the client's FIN before closing
)

// Per-connection buffers come from pools, so memory is bounded per live
// connection (the two readers and relayBufSize) and short connections do not
// churn the heap.
var (
	clientReaders  = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, clientReaderSize) }}
	backendReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, backendReaderSize) }}
	bufPool        = sync.Pool{New: func() any { b := make([]byte, relayBufSize); return &b }}
)

// clientError marks a failure on the client side of the connection, which
// ends the connection without a 502.
type clientError struct{ err error }

func (e *clientError) Error() string { return "client: " + e.err.Error() }
func (e *clientError) Unwrap() error { return e.err }

// backendError marks a failure to reach or read the backend, which the
// client gets as a 502 when nothing was sent to it yet.
type backendError struct{ err error }

func (e *backendError) Error() string { return "backend: " + e.err.Error() }
func (e *backendError) Unwrap() error { return e.err }

// httpConn is one client connection in HTTP mode and its backend
// connection, dialled lazily and reused across requests.
type httpConn struct {
	p      *Proxy
	stats  *statShard // where this connection counts requests and statuses
	ctx    context.Context
	client net.Conn
	cw     io.Writer // client without its ReaderFrom, made once
	cbr    *bufio.Reader
	remote string

	mu      sync.Mutex // guards backend and closed against the closer run at shutdown
	backend net.Conn
	closed  bool
	bbr     *bufio.Reader

	req      wire.Request
	reqBody  wire.Body
	resp     wire.Response
	respBody wire.Body
	bufp     *[]byte
	buf      []byte

	pcg rand.PCG
	rnd *rand.Rand
	x   exchange

	headTimed bool   // the header deadline is armed for the head being read
	onPartial func() // c.armHeadDeadline, made once per connection
}

// armHeadDeadline starts the header timeout when a head arrives in pieces.
func (c *httpConn) armHeadDeadline() {
	if t := c.p.cfg.HeaderTimeout; t > 0 {
		c.client.SetReadDeadline(time.Now().Add(t))
		c.headTimed = true
	}
}

func (p *Proxy) serveHTTP(ctx context.Context, client net.Conn) {
	ctx, cancel := context.WithCancel(ctx)
	c := &httpConn{p: p, stats: p.stats.shard(), ctx: ctx, client: client, remote: client.RemoteAddr().String()}
	c.cw = countingWriter{client, &c.stats.bytesDown}
	c.cbr = clientReaders.Get().(*bufio.Reader)
	c.cbr.Reset(client)
	c.bbr = backendReaders.Get().(*bufio.Reader)
	c.bufp = bufPool.Get().(*[]byte)
	c.buf = *c.bufp
	c.rnd = rand.New(&c.pcg)
	c.x.c = c
	c.x.nextFn = c.x.serveNext
	c.onPartial = c.armHeadDeadline
	// Closing the connections is what unblocks reads and writes when the
	// proxy shuts down.
	stop := context.AfterFunc(ctx, c.closeAll)
	defer func() {
		stop()
		cancel()
		c.closeAll()
		c.cbr.Reset(nil)
		c.bbr.Reset(nil)
		clientReaders.Put(c.cbr)
		backendReaders.Put(c.bbr)
		bufPool.Put(c.bufp)
	}()
	c.loop()
}

// loop serves requests one after another: read a head, draw its fate,
// run the fault chain (or pass), and make sure the request body is consumed
// before the next head.
func (c *httpConn) loop() {
	p := c.p
	idle := p.cfg.IdleTimeout
	// The idle deadline is moved forward at most every idle/64 rather than
	// at every request: setting a deadline costs timer work that shows at
	// tens of thousands of requests per second, and an idle timeout of 2m
	// need not be exact to the second.
	var armedAt time.Time
	for {
		if idle > 0 {
			if now := time.Now(); now.Sub(armedAt) > idle/64 {
				c.client.SetReadDeadline(now.Add(idle))
				armedAt = now
			}
		}
		if err := c.req.ReadWait(c.cbr, p.cfg.MaxHead, c.onPartial); err != nil {
			var pe *wire.ProtocolError
			if errors.As(err, &pe) {
				c.refuse(pe)
			}
			return
		}
		if c.headTimed {
			// The head came in pieces under the header deadline: put the
			// idle deadline (or none) back.
			c.headTimed = false
			armedAt = time.Time{}
			if idle <= 0 {
				c.client.SetReadDeadline(time.Time{})
			}
		}
		if idle > 0 && (c.req.HasBody() || c.req.Upgrade) {
			// Reading a body (or tunnelling) is not idling: no deadline
			// until the next head.
			c.client.SetReadDeadline(time.Time{})
			armedAt = time.Time{}
		}
		c.req.Body(c.cbr, &c.reqBody)

		k := p.seq.Add(1)
		c.stats.requests.Add(1)
		var path string
		if p.cfg.Seeded && p.cfg.SeedBy == ByPath {
			path = c.req.Path()
		}
		f := p.draw(k, path)
		x := &c.x
		x.begin(k, f, p.toxics.Load())
		var err error
		if len(x.steps) == 0 {
			err = x.Pass(c.ctx)
		} else {
			err = x.serveNext(c.ctx, x)
			x.finish(err)
		}
		switch {
		case err != nil || x.abandoned:
			return
		case x.closeConn || c.req.Close:
			c.lingerClose()
			return
		}
		if !c.reqBody.Done() {
			if err := c.reqBody.Discard(maxDiscard); err != nil {
				c.lingerClose()
				return
			}
		}
	}
}

// refuse answers a head that cannot be forwarded and closes.
func (c *httpConn) refuse(pe *wire.ProtocolError) {
	c.x.begin(0, fate{}, nil)
	c.x.closeConn = true
	if c.x.Reply(pe.Status, nil, pe.Error()+"\n") == nil {
		c.lingerClose()
	}
}

// setBackend records a freshly dialled backend connection, unless the
// proxy closed meanwhile.
func (c *httpConn) setBackend(b net.Conn) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		b.Close()
		return net.ErrClosed
	}
	c.backend = b
	c.bbr.Reset(b)
	return nil
}

func (c *httpConn) closeBackend() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.backend != nil {
		c.backend.Close()
		c.backend = nil
	}
}

func (c *httpConn) closeAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	c.client.Close()
	if c.backend != nil {
		c.backend.Close()
		c.backend = nil
	}
}

// lingerClose closes the client after a final response: a FIN first, then a
// short wait for the client's own FIN, so that unread request bytes in the
// kernel do not turn the close into an RST that could destroy the response.
func (c *httpConn) lingerClose() {
	if cw, ok := c.client.(closeWriter); ok {
		cw.CloseWrite()
		c.client.SetReadDeadline(time.Now().Add(lingerTime))
		io.Copy(io.Discard, io.LimitReader(c.client, maxDiscard))
	}
	c.client.Close()
}

// roundTrip sends the request (head and body) to the backend and reads the
// final response head, relaying interim 1xx responses to the client.
func (c *httpConn) roundTrip() error {
	hasBody := c.req.HasBody()
	waitContinue := c.req.Expect100 && hasBody
	if err := c.writeBackend(c.req.Head); err != nil {
		return err
	}
	if hasBody && !waitContinue {
		if err := c.copyRequestBody(); err != nil {
			return err
		}
	}
	for {
		// The head of a response Pass relays unchanged, with a length
		// (what sendLength sends), is left in the reader to be written
		// from there with the body's start.
		var n int
		var err error
		if c.x.plain {
			n, err = c.resp.Peek(c.bbr, c.req.Method, c.p.cfg.MaxHead)
		} else {
			err = c.resp.Read(c.bbr, c.req.Method, c.p.cfg.MaxHead)
		}
		if err != nil {
			return err
		}
		final := !c.resp.Interim()
		if final && c.resp.Mode == wire.Length {
			c.x.headLeft = n
			break
		}
		c.bbr.Discard(n)
		if final {
			break
		}
		if _, err := c.client.Write(c.resp.Head); err != nil {
			return &clientError{err}
		}
		if waitContinue && c.resp.Status == 100 {
			waitContinue = false
			if err := c.copyRequestBody(); err != nil {
				return err
			}
		}
	}
	if waitContinue {
		// The backend answered without asking for the body: neither side
		// can know whether the client will still send it.
		c.x.closeConn, c.x.dropBackend = true, true
	}
	return nil
}

func (c *httpConn) copyRequestBody() error {
	for {
		n, rerr := c.reqBody.Read(c.buf)
		if n > 0 {
			c.x.bodyStarted = true
			if err := c.writeBackend(c.buf[:n]); err != nil {
				return err
			}
		}
		if errors.Is(rerr, io.EOF) {
			return nil
		}
		if rerr != nil {
			return &clientError{rerr}
		}
	}
}

// writeClient writes p to the client and counts it.
func (c *httpConn) writeClient(p []byte) error {
	n, err := c.client.Write(p)
	c.stats.bytesDown.Add(int64(n))
	return err
}

// writeBackend writes p to the backend and counts it.
func (c *httpConn) writeBackend(p []byte) error {
	n, err := c.backend.Write(p)
	c.stats.bytesUp.Add(int64(n))
	return err
}

// retryable reports a failure that means a reused backend connection had
// been closed by the backend while idle: nothing of the response came back.
func retryable(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// tunnel relays both ways after a 101 Switching Protocols, until either
// side closes.
func (c *httpConn) tunnel() error {
	done := make(chan struct{})
	go func() {
		defer close(done)
		io.Copy(c.backend, c.cbr) // bytes the client sent after its request first
		c.closeAll()
	}()
	io.Copy(c.client, c.bbr)
	c.closeAll()
	<-done
	return nil
}
