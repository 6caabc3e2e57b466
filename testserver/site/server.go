package site

import (
	"context"
	"errors"
	"log"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Limits of a Server (and of NewHTTPServer's), and of each answer.
const (
	ReadHeaderTimeout = 10 * time.Second // a request head must arrive within this of its first byte
	IdleTimeout       = 60 * time.Second // keep-alive connections do not pile up
	MaxHeaderBytes    = 16 << 10         // real clients send well under 1 KiB
	WriteTimeout      = 30 * time.Second // a client that will not read cannot hold an answer
)

// NewHTTPServer returns a net/http server for h with the limits above, so
// that a silent, slow or hostile client cannot hold it. It is for handlers
// that wrap a Site; a Site alone is served faster by a Server.
//
// There is no ReadTimeout or WriteTimeout: either would also bound a DELAY
// answer's wait, which the site's configuration decides. Instead the wait
// ends when the client leaves, and a Site sets a write deadline of
// WriteTimeout once it starts to answer.
func NewHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
	}
}

// ErrServerClosed is what Serve returns after Shutdown or Close.
var ErrServerClosed = http.ErrServerClosed

// Server serves a Site over HTTP/1.1 on connections it reads and writes
// itself, rather than through net/http: a test server must be faster than
// the clients it measures. Each answer was rendered when the Site was made,
// so a request costs a read, a lookup and one write (writev: the answer's
// head, a Date field, the rest). It keeps net/http's behaviour where a
// client can see it: keep-alive and pipelining, HTTP/1.0, HEAD, a request
// head within ReadHeaderTimeout of its first byte, IdleTimeout between
// requests, 431 for a head over MaxHeaderBytes, 400 for a malformed one,
// and the end of a DELAY wait when its client leaves.
//
// The zero value is not usable; call NewServer.
type Server struct {
	// Limits; zero means the constant of the same name.
	ReadHeaderTimeout time.Duration
	IdleTimeout       time.Duration
	WriteTimeout      time.Duration
	MaxHeaderBytes    int
	// ErrorLog receives accept errors; nil means the log package's logger.
	ErrorLog *log.Logger

	site    atomic.Pointer[Site]
	ctx     context.Context // ends at Shutdown or Close: waits in progress end with 503
	stop    context.CancelFunc
	closing atomic.Bool
	date    clock
	conns   sync.WaitGroup // one per connection being served

	mu        sync.Mutex // guards listeners and open
	listeners map[net.Listener]struct{}
	open      map[*conn]struct{}
}

// NewServer returns a Server for s.
func NewServer(s *Site) *Server {
	ctx, stop := context.WithCancel(context.Background())
	srv := &Server{ctx: ctx, stop: stop, listeners: map[net.Listener]struct{}{}, open: map[*conn]struct{}{}}
	srv.site.Store(s)
	return srv
}

// SetSite makes s the site of the requests that start from now on, so that
// a fresh site's stats count only what follows.
func (srv *Server) SetSite(s *Site) { srv.site.Store(s) }

// Site returns the site being served.
func (srv *Server) Site() *Site { return srv.site.Load() }

// Serve accepts connections on ln and serves each on its own goroutine
// until Shutdown or Close, then returns ErrServerClosed; or it returns the
// listener's error. It closes ln either way.
func (srv *Server) Serve(ln net.Listener) error {
	srv.mu.Lock()
	if srv.closing.Load() {
		srv.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	srv.listeners[ln] = struct{}{}
	srv.mu.Unlock()
	defer func() {
		srv.mu.Lock()
		delete(srv.listeners, ln)
		srv.mu.Unlock()
		ln.Close()
	}()

	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if srv.closing.Load() {
				return ErrServerClosed
			}
			// Out of file descriptors, say (EMFILE is temporary): wait and
			// retry, as net/http does.
			var te interface{ Temporary() bool }
			if errors.As(err, &te) && te.Temporary() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				srv.logf("accept error: %v; retrying in %v", err, backoff)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		c := newConn(srv, nc)
		if !srv.track(c) {
			nc.Close()
			continue
		}
		go c.serve()
	}
}

// ServeConn serves one connection that the caller accepted, until it ends.
func (srv *Server) ServeConn(nc net.Conn) {
	c := newConn(srv, nc)
	if !srv.track(c) {
		nc.Close()
		return
	}
	c.serve()
}

// track adds c to the open connections, unless the server is closing.
func (srv *Server) track(c *conn) bool {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.closing.Load() {
		return false
	}
	srv.open[c] = struct{}{}
	srv.conns.Add(1)
	return true
}

func (srv *Server) untrack(c *conn) {
	srv.mu.Lock()
	delete(srv.open, c)
	srv.mu.Unlock()
	srv.conns.Done()
}

// Shutdown stops the server: it closes the listeners, ends every wait in
// progress (its client gets 503), drops connections that are between
// requests or still sending a head, lets answers being written finish, and
// returns when every connection is closed, or ctx's error when ctx ends
// first, after closing the rest.
func (srv *Server) Shutdown(ctx context.Context) error {
	srv.close(false)
	done := make(chan struct{})
	go func() {
		srv.conns.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		srv.close(true)
		<-done
		return ctx.Err()
	}
}

// Close closes the listeners and every connection at once.
func (srv *Server) Close() error {
	srv.close(true)
	srv.conns.Wait()
	return nil
}

// close marks the server closing, closes its listeners and ends the waits;
// then it drops every connection (hard) or unblocks their reads (not hard),
// so that each one closes as soon as it is not writing an answer.
func (srv *Server) close(hard bool) {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	srv.closing.Store(true) // before the deadlines below: see conn.readHead
	srv.stop()
	for ln := range srv.listeners {
		ln.Close()
	}
	for c := range srv.open {
		if hard {
			c.nc.Close()
		} else {
			c.nc.SetReadDeadline(aLongTimeAgo)
		}
	}
}

func (srv *Server) logf(format string, args ...any) {
	if srv.ErrorLog != nil {
		srv.ErrorLog.Printf(format, args...)
	} else {
		log.Printf(format, args...)
	}
}

// aLongTimeAgo is a deadline that has passed: it makes a blocked Read return.
var aLongTimeAgo = time.Unix(1, 0)

// clock renders the Date field, once a second.
type clock struct{ line atomic.Pointer[dateLine] }

type dateLine struct {
	sec  int64
	text []byte // "Date: Tue, 01 Dec 2026 06:16:03 GMT\r\n"
}

func (c *clock) field(now time.Time) []byte {
	sec := now.Unix()
	if d := c.line.Load(); d != nil && d.sec == sec {
		return d.text
	}
	d := &dateLine{sec: sec, text: []byte("Date: " + now.UTC().Format(http.TimeFormat) + "\r\n")}
	c.line.Store(d)
	return d.text
}
