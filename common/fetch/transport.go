package fetch

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"syscall"
	"time"
)

// transport is the Client's default http.RoundTripper: plain HTTP/1.1 GETs
// done on the caller's goroutine, over a pool of keep-alive connections.
//
// Why not http.Transport alone: it runs three goroutines per connection (one
// dials, one reads, one writes) and hands every request and answer between
// them over channels. A flag downloader already runs one goroutine per
// request and reads every body to its end, so that machinery is pure cost,
// and it is the largest cost a short run has: the stacks of those
// goroutines grow by copying into fresh memory, page by page. Measured with
// flags2 -e on 2 cores (see the README's performance section), this
// transport took a fresh process at -m 1000 against DELAY from about 490 to
// 370 ms, and -m 100 against LOCAL from 1.2 to 1.0 times curl's time.
//
// It takes only what it does as well as http.Transport: a GET or HEAD with
// no body and no headers of the caller's, to an http:// URL, with no proxy
// set in the environment. Anything else (https, a proxy, other methods) goes
// to fallback, an http.Transport, unchanged.
//
// What it keeps of http.Transport's behaviour: it asks for gzip and
// decompresses (the body then has no Content-Length); it sends again, on a
// new connection, a request whose reused connection turned out to be closed
// by the server before any answer came; it gives a connection back to the
// pool only once its body has been read to the end and the server did not
// say "Connection: close"; it calls the GotConn and GotFirstResponseByte
// hooks of an httptrace.ClientTrace; the request's context limits
// everything, the dial included. Response headers are limited to
// maxHeaderBytes.
type transport struct {
	dialer   net.Dialer
	fallback *http.Transport
	maxIdle  int // per host

	mu   sync.Mutex // guards idle
	idle map[string][]*conn
}

// maxHeaderBytes caps the status line and headers of one answer, so a
// server sending headers without end costs this much memory at most.
const maxHeaderBytes = 1 << 20

// idleTimeout is how long a connection may wait in the pool; an older one
// is closed instead of reused, as http.Transport's IdleConnTimeout does.
const idleTimeout = 90 * time.Second

// userAgent is what http.Transport sends, so servers and their logs see
// the same client either way.
const userAgent = "Go-http-client/1.1"

// aLongTimeAgo is a deadline in the past: setting it makes every blocked
// read and write of a connection return at once.
var aLongTimeAgo = time.Unix(1, 0)

func newDefaultTransport(conc int, timeout time.Duration) *transport {
	return &transport{
		// No TCP keep-alive probes: every attempt has its own timeout,
		// which finds a dead server sooner, and the probes' socket options
		// cost four system calls per connection.
		dialer:   net.Dialer{Timeout: timeout, KeepAlive: -1},
		fallback: newTransport(conc, timeout),
		maxIdle:  conc,
	}
}

// conn is one connection of the pool.
type conn struct {
	net.Conn
	br   *bufio.Reader
	bw   *bufio.Writer
	left int64     // bytes the reader may still take while headers are read; < 0: no limit
	used time.Time // when it went idle
}

// Read reads from the network within the header limit, if one is set.
func (c *conn) Read(p []byte) (int, error) {
	if c.left == 0 {
		return 0, errHeadersTooLong
	}
	if c.left > 0 && int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.Conn.Read(p)
	if c.left > 0 {
		c.left -= int64(n)
	}
	return n, err
}

var errHeadersTooLong = fmt.Errorf("response headers longer than %d bytes", maxHeaderBytes)

// takes reports whether t sends req itself rather than its fallback.
func (t *transport) takes(req *http.Request) bool {
	if req.URL.Scheme != "http" || req.Method != http.MethodGet && req.Method != http.MethodHead ||
		req.Body != nil && req.Body != http.NoBody || len(req.Header) > 0 || req.Close {
		return false
	}
	proxy, err := t.fallback.Proxy(req)
	return err == nil && proxy == nil
}

// RoundTrip implements http.RoundTripper.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !t.takes(req) {
		return t.fallback.RoundTrip(req)
	}
	ctx := req.Context()
	addr := hostPort(req)
	hooks := httptrace.ContextClientTrace(ctx)
	for {
		c, reused, err := t.conn(ctx, addr)
		if err != nil {
			return nil, err
		}
		if hooks != nil && hooks.GotConn != nil {
			hooks.GotConn(httptrace.GotConnInfo{Conn: c.Conn, Reused: reused})
		}
		if d, ok := ctx.Deadline(); ok {
			c.SetDeadline(d)
		}
		stop := context.AfterFunc(ctx, func() { c.SetDeadline(aLongTimeAgo) })
		res, sent, err := exchange(req, c, hooks)
		if err != nil {
			stop()
			c.Close()
			switch {
			case ctx.Err() != nil:
				return nil, ctx.Err()
			case reused && !sent && closedIdle(err):
				continue // the server closed it while it was idle: not this request's fault
			}
			return nil, err
		}
		b := &body{t: t, c: c, addr: addr, ctx: ctx, stop: stop, keep: !res.Close, want: res.ContentLength, raw: res.Body}
		if res.Body == http.NoBody {
			b.finish(true)
			return res, nil
		}
		res.Body = b
		if res.Header.Get("Content-Encoding") == "gzip" && req.Method != http.MethodHead {
			// As http.Transport does: the caller sees the decompressed body,
			// of unknown length.
			res.Body = &gunzip{body: b}
			res.Header.Del("Content-Encoding")
			res.Header.Del("Content-Length")
			res.ContentLength = -1
			res.Uncompressed = true
		}
		return res, nil
	}
}

// hostPort is where req goes: the URL's host with its port, 80 by default.
func hostPort(req *http.Request) string {
	if req.URL.Port() != "" {
		return req.URL.Host
	}
	return net.JoinHostPort(req.URL.Hostname(), "80")
}

// conn returns an idle connection to addr, or a new one.
func (t *transport) conn(ctx context.Context, addr string) (c *conn, reused bool, err error) {
	now := time.Now()
	t.mu.Lock()
	for l := t.idle[addr]; len(l) > 0; l = t.idle[addr] {
		c = l[len(l)-1]
		t.idle[addr] = l[:len(l)-1]
		if now.Sub(c.used) < idleTimeout {
			t.mu.Unlock()
			return c, true, nil
		}
		c.Close()
	}
	t.mu.Unlock()
	nc, err := t.dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, false, err
	}
	c = &conn{Conn: nc}
	c.br = bufio.NewReaderSize(c, 4<<10)
	// A GET is a few hundred bytes.
	c.bw = bufio.NewWriterSize(nc, 512)
	return c, false, nil
}

// put gives c back to the pool of addr, or closes it when the pool is full.
func (t *transport) put(addr string, c *conn) {
	c.used = time.Now()
	t.mu.Lock()
	if len(t.idle[addr]) < t.maxIdle {
		if t.idle == nil {
			t.idle = make(map[string][]*conn)
		}
		t.idle[addr] = append(t.idle[addr], c)
		t.mu.Unlock()
		return
	}
	t.mu.Unlock()
	c.Close()
}

// CloseIdleConnections closes the connections in the pool, and those of
// the fallback.
func (t *transport) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle = nil
	t.mu.Unlock()
	for _, l := range idle {
		for _, c := range l {
			c.Close()
		}
	}
	t.fallback.CloseIdleConnections()
}

// exchange writes req on c and reads the head of the answer. sent reports
// whether the server may have seen the request: false when writing it
// failed, or when the connection ended before the first byte of an answer.
// 1xx answers other than 101 are skipped, as http.Transport does.
func exchange(req *http.Request, c *conn, hooks *httptrace.ClientTrace) (res *http.Response, sent bool, err error) {
	writeRequest(c.bw, req)
	if err := c.bw.Flush(); err != nil {
		return nil, false, err
	}
	c.left = maxHeaderBytes
	if _, err := c.br.Peek(1); err != nil {
		return nil, false, err
	}
	if hooks != nil && hooks.GotFirstResponseByte != nil {
		hooks.GotFirstResponseByte()
	}
	for {
		res, err = http.ReadResponse(c.br, req)
		if err != nil {
			return nil, true, err
		}
		if res.StatusCode < 100 || res.StatusCode > 199 || res.StatusCode == http.StatusSwitchingProtocols {
			break
		}
	}
	c.left = -1 // the body's limits are the Client's
	return res, true, nil
}

// writeRequest writes the request line and headers of a GET or HEAD
// without headers of its own: what http.Transport would send for it.
func writeRequest(w *bufio.Writer, req *http.Request) {
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	w.WriteString(req.Method)
	w.WriteByte(' ')
	w.WriteString(req.URL.RequestURI())
	w.WriteString(" HTTP/1.1\r\nHost: ")
	w.WriteString(host)
	w.WriteString("\r\nUser-Agent: " + userAgent + "\r\n")
	if req.Method == http.MethodGet {
		w.WriteString("Accept-Encoding: gzip\r\n")
	}
	w.WriteString("\r\n")
}

// closedIdle reports whether err says the server had closed a connection
// before the request reached it: the write failed, or the read found the
// connection ended without a byte.
func closedIdle(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed)
}

// body is the body of an answer sent by a transport. Read to its end, it
// puts its connection back in the pool; closed earlier, it closes it,
// unless nothing was left to read.
type body struct {
	t    *transport
	c    *conn
	addr string
	ctx  context.Context
	stop func() bool // stops the context's watch on the connection
	keep bool        // the server allows another request on the connection
	raw  io.ReadCloser
	want int64 // Content-Length; -1 if unknown
	got  int64
	done bool
	err  error // the error the body ended with, returned by every later Read
}

func (b *body) Read(p []byte) (int, error) {
	if b.done {
		if b.err == nil {
			return 0, io.EOF
		}
		return 0, b.err
	}
	n, err := b.raw.Read(p)
	b.got += int64(n)
	switch {
	case err == io.EOF:
		b.finish(true)
	case err != nil:
		if b.ctx.Err() != nil { // the deadline set by the watch, not the network
			err = b.ctx.Err()
		}
		b.err = err
		b.finish(false)
	}
	return n, err
}

// Close implements io.Closer. A body whose Content-Length has all been read
// leaves its connection reusable, as the last Read may not have seen EOF.
func (b *body) Close() error {
	b.finish(b.want >= 0 && b.got == b.want)
	if b.err == nil {
		b.err = errBodyClosed
	}
	return nil
}

var errBodyClosed = errors.New("read on closed response body")

// finish ends the body: its connection goes back to the pool if whole is
// true and nothing forbids it, or is closed.
func (b *body) finish(whole bool) {
	if b.done {
		return
	}
	b.done = true
	if !b.stop() || !whole || !b.keep {
		// stop returns false once the context has set the deadline: the
		// connection cannot be trusted with another request.
		b.c.Close()
		return
	}
	b.c.SetDeadline(time.Time{})
	b.t.put(b.addr, b.c)
}

// gunzip decompresses a gzipped body on first Read.
type gunzip struct {
	body *body
	zr   *gzip.Reader
	err  error
}

func (g *gunzip) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	if g.zr == nil {
		zr, err := gzip.NewReader(g.body)
		if err != nil {
			g.err = err
			return 0, err
		}
		g.zr = zr
	}
	// In its default multistream mode, gzip reads on after the end of
	// the stream, looking for another: the body sees its own end and
	// gives the connection back.
	n, err := g.zr.Read(p)
	if err != nil {
		g.err = err
	}
	return n, err
}

func (g *gunzip) Close() error { return g.body.Close() }
