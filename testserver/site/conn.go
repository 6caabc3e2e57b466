package site

import (
	"cmp"
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"time"
)

// conn is one client connection of a Server, served by one goroutine:
//
//	readHead ──► parseRequest ──► Site.decide ──► write (one writev) ──┐
//	    ▲          (400, 431, 505: answer and close)                    │
//	    └───────────────────── keep-alive ─────────────────────────────┘
//
// While a DELAY or ERROR wait runs, a second goroutine reads the
// connection, so that the wait ends when the client leaves.
type conn struct {
	srv    *Server
	nc     net.Conn
	remote string // for the log, filled on first use

	buf  []byte // what was read; the bytes not yet parsed are buf[r:w]
	r, w int

	first   bool      // no request has been read yet
	armed   deadline  // what the read deadline is set for
	readAt  time.Time // when it was set
	wroteAt time.Time // when the write deadline was last set
	gone    error     // the client left during a wait (seen by watch)

	mid []byte      // the Date field, and Connection when needed
	iov [3][]byte   // an answer's head, mid, and the rest
	out net.Buffers // iov being written
}

// deadline is what a connection's read deadline is set for.
type deadline int

const (
	unarmed deadline = iota
	idle             // between requests: IdleTimeout
	header           // a request head has begun: ReadHeaderTimeout
)

// bufSize is the read buffer a connection starts with; it grows up to
// MaxHeaderBytes for a long head.
const bufSize = 4 << 10

func newConn(srv *Server, nc net.Conn) *conn {
	return &conn{srv: srv, nc: nc, buf: make([]byte, bufSize), first: true}
}

var (
	errTooLarge = errors.New("request head too large")
	errClosing  = errors.New("server closing")
)

// Answers a Server gives to heads it cannot serve, and then closes.
var (
	answerBadRequest = text(http.StatusBadRequest, "400 bad request\n")
	answerTooLarge   = text(http.StatusRequestHeaderFieldsTooLarge, "431 request header fields too large\n")
	answerBadVersion = text(http.StatusHTTPVersionNotSupported, "505 HTTP version not supported\n")
)

func (c *conn) serve() {
	defer c.srv.untrack(c)
	defer c.nc.Close()
	for {
		head, err := c.readHead()
		if err != nil {
			if errors.Is(err, errTooLarge) {
				c.reject(answerTooLarge)
			}
			return
		}
		req, status := parseRequest(head)
		switch status {
		case 0:
		case http.StatusHTTPVersionNotSupported:
			c.reject(answerBadVersion)
			return
		default:
			c.reject(answerBadRequest)
			return
		}
		if !c.handle(req) {
			return
		}
	}
}

// readHead returns the next request head, reading until it is whole. A new
// connection's first head, and any head once its first byte is here, must
// be whole within ReadHeaderTimeout: a client sending a byte at a time is
// dropped then. Between requests the connection may stay silent for
// IdleTimeout.
func (c *conn) readHead() ([]byte, error) {
	limit := cmp.Or(c.srv.MaxHeaderBytes, MaxHeaderBytes)
	for {
		c.r += leadingBlank(c.buf[c.r:c.w])
		if c.r == c.w {
			c.r, c.w = 0, 0
		}
		if n := headEnd(c.buf[c.r:c.w]); n >= 0 {
			head := c.buf[c.r : c.r+n]
			c.r += n
			c.first = false
			if c.armed == header {
				c.armed = unarmed // the next head has its own ReadHeaderTimeout
			}
			return head, nil
		}
		if c.w-c.r >= limit {
			return nil, errTooLarge
		}
		now := time.Now()
		if c.first || c.r < c.w {
			c.arm(now, header)
		} else {
			c.arm(now, idle)
		}
		// After arming: Shutdown marks the server closing before it moves
		// the deadlines, so either this sees it or the Read below fails.
		if c.srv.closing.Load() {
			return nil, errClosing
		}
		if c.w == len(c.buf) {
			c.room(limit)
		}
		n, err := c.nc.Read(c.buf[c.w:])
		c.w += n
		if err != nil {
			return nil, err
		}
	}
}

// room makes space at the end of buf: it moves the unread bytes to the
// front, or grows buf up to limit.
func (c *conn) room(limit int) {
	if c.r > 0 {
		c.w = copy(c.buf, c.buf[c.r:c.w])
		c.r = 0
		return
	}
	grown := make([]byte, min(2*len(c.buf), limit))
	c.w = copy(grown, c.buf[c.r:c.w])
	c.r, c.buf = 0, grown
}

// arm sets the read deadline for what the connection waits for. Setting a
// deadline costs a timer update, so an idle deadline set less than a second
// ago is kept: the idle timeout is then up to a second shorter.
func (c *conn) arm(now time.Time, d deadline) {
	if d == c.armed && (d == header || now.Sub(c.readAt) < time.Second) {
		return
	}
	timeout := cmp.Or(c.srv.IdleTimeout, IdleTimeout)
	if d == header {
		timeout = cmp.Or(c.srv.ReadHeaderTimeout, ReadHeaderTimeout)
	}
	c.nc.SetReadDeadline(now.Add(timeout))
	c.armed, c.readAt = d, now
}

// handle answers one request and reports whether the connection stays open.
func (c *conn) handle(req request) bool {
	s := c.srv.site.Load()
	start := time.Now()
	s.stats.enter()
	ctx, stopWatch := c.srv.ctx, func() {}
	if s.mode != Local && req.method == http.MethodGet {
		ctx, stopWatch = c.watch(ctx)
	}
	a, res, file := s.decide(ctx, req.method, req.path)
	stopWatch()
	keep := !req.close && !req.body && c.gone == nil && !c.srv.closing.Load()
	// The request leaves the in-flight count once its answer is decided,
	// before the answer is written: a client can only send its next request
	// on the slot after reading this answer, so counting the write too would
	// let MaxInFlight see one more than the client ever had in flight (as
	// under net/http, whose handlers return before their buffer is flushed).
	s.stats.leave()
	n, err := c.write(a, req, keep, file)
	if file != nil {
		file.Close()
	}
	res.bytes = n
	if res.err == nil {
		res.err = err
	}
	if s.logger != nil {
		if c.remote == "" {
			c.remote = c.nc.RemoteAddr().String()
		}
		s.log(context.Background(), c.remote, req.method, req.path, res, start)
	}
	if err == nil && req.body {
		c.linger()
	}
	return keep && err == nil
}

// watch returns a context that ends when parent does or when the client
// closes the connection, for a wait that may last longer than any read
// deadline. stop ends the watching; after it, the connection is the
// caller's again (with any bytes of a pipelined request in buf).
func (c *conn) watch(parent context.Context) (ctx context.Context, stop func()) {
	if c.w == len(c.buf) {
		c.room(len(c.buf))
		if c.w == len(c.buf) {
			return parent, func() {} // a full buffer of pipelined requests: nothing to read into
		}
	}
	ctx, cancel := context.WithCancel(parent)
	done := make(chan struct{})
	c.nc.SetReadDeadline(time.Time{})
	c.armed = unarmed
	go func() {
		defer close(done)
		n, err := c.nc.Read(c.buf[c.w:])
		c.w += n
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			c.gone = err
			cancel()
		}
	}()
	return ctx, func() {
		c.nc.SetReadDeadline(aLongTimeAgo)
		<-done
		cancel()
	}
}

// write sends an answer: its head with the Date field (and Connection when
// it matters) in one writev with its body; a big file's body follows from
// the data set. It returns the body bytes sent.
func (c *conn) write(a *answer, req request, keep bool, file fs.File) (int64, error) {
	now := time.Now()
	if now.Sub(c.wroteAt) >= time.Second { // as in arm: up to a second shorter
		c.nc.SetWriteDeadline(now.Add(cmp.Or(c.srv.WriteTimeout, WriteTimeout)))
		c.wroteAt = now
	}
	c.mid = append(c.mid[:0], c.srv.date.field(now)...)
	switch {
	case !keep:
		c.mid = append(c.mid, "Connection: close\r\n"...)
	case req.http10:
		c.mid = append(c.mid, "Connection: keep-alive\r\n"...)
	}
	rest := a.wire[a.mid:]
	if req.method == http.MethodHead || file != nil {
		rest = rest[:2]
	}
	c.iov = [3][]byte{a.wire[:a.mid], c.mid, rest}
	c.out = c.iov[:]
	if _, err := c.out.WriteTo(c.nc); err != nil {
		return 0, err
	}
	switch {
	case req.method == http.MethodHead:
		return 0, nil
	case file != nil:
		return io.CopyN(c.nc, file, a.size) // a file that shrank ends the connection
	}
	return int64(len(rest) - 2), nil
}

// reject answers a head the server cannot serve, and closes.
func (c *conn) reject(a *answer) {
	if _, err := c.write(a, request{}, false, nil); err == nil {
		c.linger()
	}
}

// linger closes our side and reads what the client still sends, for a
// moment, before the connection closes: closing with unread bytes would
// reset it, and the client could lose the answer.
func (c *conn) linger() {
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	c.nc.SetReadDeadline(time.Now().Add(lingerTimeout))
	io.CopyN(io.Discard, c.nc, lingerBytes)
}

// How long and how much linger reads.
const (
	lingerTimeout = 500 * time.Millisecond
	lingerBytes   = 256 << 10
)
