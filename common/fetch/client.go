// Package fetch is the HTTP client of the flag downloaders: one GET at a
// time per call, many calls at once against one host.
//
// A Client keeps as many idle connections per host as the run's
// concurrency, so a pool of 20 workers reuses 20 connections instead of
// opening a new one for most requests (Go's default keeps 2). Every body is
// read to the end or drained, and closed, so its connection can go back to
// the pool. Each attempt has its own timeout, which starts when the attempt
// passes its Gate, not while it waits there.
//
// Failures are typed: *HTTPError for a status other than 200 (IsNotFound
// tells a missing flag from a failing server), *TimeoutError for an attempt
// that ran out of time, *TruncatedError for a body cut short,
// *TooLargeError for a body over the client's limits, and the *url.Error of
// net/http for network failures (refused, reset). Describe puts any of them
// in a few plain words.
//
// Memory stays bounded whatever a server does: a body may not pass
// Config.MaxBodySize (1 MiB by default), counted after decompression, so a
// gzip bomb stops there too; a body's buffer grows only as its bytes
// arrive, never from what Content-Length promises; and all the bodies being
// read at once share one budget (Config.MemoryBudget, 16 MiB).
//
// Retries are opt-in (Config.Retries). Network errors, timeouts, truncated
// bodies, 408, 429, 418 (the status the book's error server injects) and
// 5xx are retried with exponential backoff and full jitter, honouring
// Retry-After (up to 30s); 404 and other 4xx never are. A cancelled context stops
// everything at once: no retry, and an error that matches context.Canceled.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of the Config fields left at zero.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultBackoffBase = 100 * time.Millisecond
	DefaultBackoffCap  = 2 * time.Second
	// DefaultConcurrency sizes the idle pool when Config.Concurrency is 0.
	// Idle slots cost nothing until a connection fills them, so erring high
	// only keeps connections a busy caller would have to reopen anyway.
	DefaultConcurrency = 100
)

// maxRetryAfter caps the wait a server can ask for with Retry-After: a
// downloader that sleeps an hour because a header said so looks hung.
const maxRetryAfter = 30 * time.Second

// Config sets up a Client. The zero value works.
type Config struct {
	// Concurrency is how many requests the caller runs at once against one
	// host; the client keeps that many idle connections per host. 0 means
	// DefaultConcurrency.
	Concurrency int
	// Timeout limits each attempt, from passing the gate to the last byte
	// of the body. 0 means DefaultTimeout (10s).
	Timeout time.Duration
	// Retries is how many times a failed attempt that may succeed later
	// is tried again. 0, the default, makes one attempt only.
	Retries int
	// BackoffBase and BackoffCap shape the wait before retry n (from 0): a
	// random duration in [0, min(BackoffCap, BackoffBase·2ⁿ)]. 0 means
	// DefaultBackoffBase (100ms) and DefaultBackoffCap (2s).
	BackoffBase, BackoffCap time.Duration
	// Rand draws the jitter; set a seeded one for repeatable waits. The
	// client locks around it. nil means the math/rand/v2 global source.
	Rand *rand.Rand
	// Transport sends the requests. nil means the package's own HTTP/1.1
	// transport, which hands what it does not take (https, proxies) to an
	// http.Transport; both keep Concurrency idle connections per host.
	Transport http.RoundTripper
	// MaxBodySize caps one body, counted after decompression; a longer
	// one is a *TooLargeError. 0 means DefaultMaxBodySize (1 MiB).
	MaxBodySize int64
	// MemoryBudget caps the bytes of buffer held by all the bodies being
	// read at once; a body that finds it spent is a *TooLargeError. 0 means
	// DefaultMemoryBudget (16 MiB); it is never less than two bodies of
	// MaxBodySize.
	MemoryBudget int64
}

// Response is the outcome of Get. It is returned with errors too: Attempts
// and Latency are set whenever an attempt was made, and StatusCode whenever
// a status line arrived.
type Response struct {
	URL        string
	StatusCode int           // of the last attempt; 0 if no answer came
	Body       []byte        // the whole body of a 200 answer; nil on error
	Attempts   int           // attempts made, counting the last one
	Latency    time.Duration // of all attempts, each from passing the gate to its last byte; waits not counted
}

// Client makes GET requests; it is safe for concurrent use.
type Client struct {
	http    *http.Client
	timeout time.Duration
	retries int
	base    time.Duration
	cap     time.Duration

	bodies *bodyReader

	randMu sync.Mutex // guards rand, which is not safe for concurrent use
	rand   *rand.Rand

	opened, reused atomic.Int64
	trace          *httptrace.ClientTrace
}

// New returns a Client set up by cfg.
func New(cfg Config) *Client {
	c := &Client{
		timeout: orDefault(cfg.Timeout, DefaultTimeout),
		retries: max(cfg.Retries, 0),
		base:    orDefault(cfg.BackoffBase, DefaultBackoffBase),
		cap:     orDefault(cfg.BackoffCap, DefaultBackoffCap),
		rand:    cfg.Rand,
		bodies:  newBodyReader(cfg.MaxBodySize, cfg.MemoryBudget),
	}
	rt := cfg.Transport
	if rt == nil {
		conc := cfg.Concurrency
		if conc <= 0 {
			conc = DefaultConcurrency
		}
		rt = newDefaultTransport(conc, c.timeout)
	}
	c.http = &http.Client{Transport: rt}
	c.trace = &httptrace.ClientTrace{GotConn: c.countConn}
	return c
}

func (c *Client) countConn(info httptrace.GotConnInfo) {
	if info.Reused {
		c.reused.Add(1)
	} else {
		c.opened.Add(1)
	}
}

// connSeen is what the httptrace hooks of one traced attempt saw. The first
// response byte is reported from the transport's read goroutine, so the
// fields are atomic.
type connSeen struct {
	start  time.Time
	opened atomic.Int64
	reused atomic.Bool
	ttfb   atomic.Int64 // a time.Duration
}

// tracedConns is c.trace plus the record of one traced attempt.
func (c *Client) tracedConns(s *connSeen) *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) {
			c.countConn(info)
			if info.Reused {
				s.reused.Store(true)
			} else {
				s.opened.Add(1)
			}
		},
		GotFirstResponseByte: func() { s.ttfb.Store(int64(time.Since(s.start))) },
	}
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// newTransport, the fallback of the default transport for what it does
// not take (https, proxies), is http.DefaultTransport sized for conc requests at once to
// one host. MaxConnsPerHost stays unlimited: the caller's gate already
// bounds the requests, and a second cap here could only make them queue
// for a connection while their timeout runs.
func newTransport(conc int, timeout time.Duration) *http.Transport {
	dialer := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		MaxIdleConns:          max(conc, 100),
		MaxIdleConnsPerHost:   conc,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: 1 * time.Second,
		// HTTP/1.1 only, as in the book: one request per connection at a
		// time, so "-m 20" means 20 connections and Conns counts them.
		ForceAttemptHTTP2: false,
		// A GET is a few hundred bytes: the default 4 KiB write buffer per
		// connection is 3 MiB of nothing at a thousand connections.
		WriteBufferSize: 1 << 10,
	}
}

// Conns returns how many requests went out on a new connection (opened)
// and how many on an idle one kept from an earlier request (reused); the
// two add up to the attempts that got a connection. With the pool sized to
// the concurrency, opened stays at the concurrency however many requests
// are made.
func (c *Client) Conns() (opened, reused int64) {
	return c.opened.Load(), c.reused.Load()
}

// CloseIdle closes the idle connections, for a clean end of run.
func (c *Client) CloseIdle() { c.http.CloseIdleConnections() }

// Get fetches url and returns its body when the answer is 200 OK.
//
// It acquires gate around each attempt only (nil means NoGate), and each
// attempt has Config.Timeout from the moment it passes the gate. A failed
// attempt is retried, up to Config.Retries times, when a later one may
// succeed (see the package comment); the gate is released during the wait.
// When ctx is cancelled Get returns at once with an error that matches
// context.Canceled. The Response is returned in every case, so callers can
// report Attempts and Latency of failures too.
func (c *Client) Get(ctx context.Context, url string, gate Gate) (Response, error) {
	if gate == nil {
		gate = NoGate
	}
	resp := Response{URL: url}
	tr := traceFrom(ctx)
	for retry := 0; ; retry++ {
		if err := gate.Acquire(ctx); err != nil {
			return resp, fmt.Errorf("get %s: %w", url, err)
		}
		resp.Attempts++
		a := c.attempt(ctx, url, tr, resp.Attempts)
		gate.Release()

		resp.StatusCode, resp.Body = a.status, a.body
		resp.Latency += a.latency
		if a.err == nil {
			return resp, nil
		}
		if ctx.Err() != nil {
			return resp, fmt.Errorf("get %s: %w", url, ctx.Err())
		}
		if retry >= c.retries || !retryable(a.err) {
			return resp, a.err
		}
		wait := c.backoff(retry)
		if a.retryAfter > 0 {
			wait = min(a.retryAfter, maxRetryAfter)
		}
		if tr != nil && tr.BackoffStart != nil {
			tr.BackoffStart(url, resp.Attempts+1, wait)
		}
		err := sleep(ctx, wait)
		if tr != nil && tr.BackoffDone != nil {
			tr.BackoffDone(url)
		}
		if err != nil {
			return resp, fmt.Errorf("get %s: %w", url, err)
		}
	}
}

// attemptResult is what one attempt found.
type attemptResult struct {
	status     int
	body       []byte
	latency    time.Duration
	retryAfter time.Duration // asked for by the server; 0 if not
	err        error
}

// errAttemptTimeout is the cause of an attempt's own deadline, so it can be
// told apart from a deadline of the caller's context.
var errAttemptTimeout = errors.New("attempt timed out")

func (c *Client) attempt(ctx context.Context, url string, tr *Trace, n int) (a attemptResult) {
	start := time.Now()
	actx, cancel := context.WithTimeoutCause(ctx, c.timeout, errAttemptTimeout)
	defer cancel()
	ct := c.trace
	var conn *connSeen
	if tr != nil {
		if tr.AttemptStart != nil {
			tr.AttemptStart(url, n, start)
		}
		conn = &connSeen{start: start}
		ct = c.tracedConns(conn)
	}
	defer func() {
		a.latency = time.Since(start)
		var he *HTTPError
		if a.err != nil && !errors.As(a.err, &he) && ctx.Err() == nil && timedOut(actx, a.err) {
			a.err = &TimeoutError{URL: url, After: c.timeout}
		}
		if tr != nil && tr.AttemptDone != nil {
			tr.AttemptDone(Attempt{
				URL: url, N: n, Start: start, Latency: a.latency, Status: a.status, Bytes: len(a.body),
				NewConns: int(conn.opened.Load()), Reused: conn.reused.Load(),
				TTFB: time.Duration(conn.ttfb.Load()), Err: a.err,
			})
		}
	}()

	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(actx, ct), http.MethodGet, url, nil)
	if err != nil {
		a.err = fmt.Errorf("get %s: %w", url, err)
		return a
	}
	res, err := c.http.Do(req)
	if err != nil {
		a.err = err // a *url.Error naming the method and URL
		return a
	}
	defer res.Body.Close()
	a.status = res.StatusCode

	if res.StatusCode != http.StatusOK {
		a.retryAfter = parseRetryAfter(res.Header.Get("Retry-After"), time.Now())
		a.err = &HTTPError{URL: url, StatusCode: res.StatusCode, Status: res.Status}
		// Drain a short error page so the connection can be reused; a long
		// one costs more to read than a new connection.
		io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
		return a
	}
	a.body, a.err = c.bodies.read(url, res)
	return a
}

// timedOut reports whether err comes from the attempt's own deadline or a
// timeout of the network layer (the dialer's, say).
func timedOut(actx context.Context, err error) bool {
	if errors.Is(context.Cause(actx), errAttemptTimeout) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
