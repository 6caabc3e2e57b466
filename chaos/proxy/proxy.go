// Package proxy is the chaos proxy's data path: a listener whose accept loop
// only accepts, one goroutine per client connection that dials the backend
// itself (with a timeout), and, in HTTP mode, a request reader that draws a
// fate for every request, keep-alive or not.
//
// A Proxy holds its fault plan in an atomic pointer to an immutable
// fault.Plan: changing faults swaps the pointer, and each connection loads
// it again at its next request, so the control API never waits for traffic
// and traffic never waits for the API.
//
//	client ──▶ accept loop ──▶ go conn ──▶ read request ──▶ plan.Load().Pick(draw)
//	                                  │                        │
//	                                  │        fault chain ◀───┘ (or pass)
//	                                  └── dial backend (lazily, with timeout) ──▶ backend
package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"flagsuite/chaos/fault"
	"flagsuite/chaos/wire"
)

// Config describes one proxy. Its zero value, plus a Backend, is an HTTP
// proxy that lets everything pass.
type Config struct {
	Name     string         // label in logs and the API; "main" when empty
	Protocol fault.Protocol // fault.HTTP (the default) or fault.TCP
	Backend  string         // HOST:PORT to dial
	Faults   []fault.Config // the initial plan

	Seed   int64  // with Seeded, fates are a pure function of (Seed, k) or (Seed, path)
	Seeded bool   // false: fates are random
	SeedBy SeedBy // ByRequest (default) or ByPath; ByPath needs HTTP

	Tag bool // add X-Chaos-Fault: NAME to responses of faulted requests

	DialTimeout time.Duration // backend dial timeout; 0 means 5s
	IdleTimeout time.Duration // close idle keep-alive clients; 0 means 2m, negative never
	// HeaderTimeout bounds how long a request head may take to arrive once
	// its first byte has (HTTP mode): a client trickling a head holds a
	// connection this long, not the idle timeout. 0 means 10s, negative never.
	HeaderTimeout time.Duration
	MaxHead       int // bound on a request or response head; 0 means wire.DefaultMaxHead

	// Logger gets one line per injected fault and per backend failure; nil
	// logs nothing (--quiet).
	Logger *slog.Logger
	// Dial connects to the backend; nil uses a net.Dialer. Tests inject
	// in-memory connections here.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// ErrClosed is returned by Serve after Close.
var ErrClosed = errors.New("proxy closed")

// Proxy is a fault-injecting proxy in front of one backend.
type Proxy struct {
	cfg    Config
	plan   atomic.Pointer[fault.Plan]
	seq    atomic.Uint64 // requests (HTTP) or connections (TCP) so far: the k of the draw
	stats  counters
	active atomic.Int64 // connection goroutines running

	planMu sync.Mutex // serialises read-modify-write of plan; traffic never takes it

	ctx    context.Context // cancelled by Close; parent of every connection's context
	cancel context.CancelFunc
	conns  sync.WaitGroup // connection goroutines and Serve loops

	mu        sync.Mutex // guards listeners and closed
	listeners map[net.Listener]struct{}
	closed    bool
}

// New checks cfg and builds its initial plan.
func New(cfg Config) (*Proxy, error) {
	if cfg.Name == "" {
		cfg.Name = "main"
	}
	if cfg.Protocol == "" {
		cfg.Protocol = fault.HTTP
	}
	if cfg.Backend == "" {
		return nil, errors.New("no backend address")
	}
	if _, _, err := net.SplitHostPort(cfg.Backend); err != nil {
		return nil, fmt.Errorf("backend %q: %w", cfg.Backend, err)
	}
	switch cfg.SeedBy {
	case "":
		cfg.SeedBy = ByRequest
	case ByRequest:
	case ByPath:
		if cfg.Protocol != fault.HTTP {
			return nil, errors.New("seeding by path needs the http protocol")
		}
	default:
		return nil, fmt.Errorf("unknown seed-by %q: request or path", cfg.SeedBy)
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 5 * time.Second
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = 2 * time.Minute
	}
	if cfg.HeaderTimeout == 0 {
		cfg.HeaderTimeout = 10 * time.Second
	}
	if cfg.MaxHead <= 0 {
		cfg.MaxHead = wire.DefaultMaxHead
	}
	if cfg.Dial == nil {
		d := &net.Dialer{}
		cfg.Dial = d.DialContext
	}
	plan, err := fault.NewPlan(cfg.Protocol, cfg.Faults)
	if err != nil {
		return nil, err
	}
	p := &Proxy{cfg: cfg, listeners: map[net.Listener]struct{}{}}
	p.cfg.Faults = nil // the plan is the one truth from now on
	p.plan.Store(plan)
	p.ctx, p.cancel = context.WithCancel(context.Background())
	return p, nil
}

// Listen starts a proxy on addr ("127.0.0.1:0" for any free port) and
// serves it in the background until Close.
func Listen(cfg Config, addr string) (*Proxy, error) {
	p, err := New(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if err := p.track(ln); err != nil {
		return nil, err
	}
	go p.serve(ln)
	return p, nil
}

// Name returns the proxy's name.
func (p *Proxy) Name() string { return p.cfg.Name }

// Protocol returns fault.HTTP or fault.TCP.
func (p *Proxy) Protocol() fault.Protocol { return p.cfg.Protocol }

// Backend returns the backend address.
func (p *Proxy) Backend() string { return p.cfg.Backend }

// Config returns the proxy's settings, Faults being the current plan.
func (p *Proxy) Config() Config {
	c := p.cfg
	c.Faults = p.Faults()
	return c
}

// Addr returns the address of the first listener, or nil before Serve.
func (p *Proxy) Addr() net.Addr {
	p.mu.Lock()
	defer p.mu.Unlock()
	for ln := range p.listeners {
		return ln.Addr()
	}
	return nil
}

// URL returns "http://HOST:PORT" (or tcp://) of the first listener.
func (p *Proxy) URL() string {
	a := p.Addr()
	if a == nil {
		return ""
	}
	return string(p.cfg.Protocol) + "://" + a.String()
}

// Serve accepts connections on ln until Close, which makes it return
// ErrClosed. The accept loop only accepts: every connection's work, the
// backend dial included, runs in that connection's own goroutine.
func (p *Proxy) Serve(ln net.Listener) error {
	if err := p.track(ln); err != nil {
		return err
	}
	return p.serve(ln)
}

func (p *Proxy) track(ln net.Listener) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		ln.Close()
		return ErrClosed
	}
	p.listeners[ln] = struct{}{}
	p.conns.Add(1)
	return nil
}

func (p *Proxy) serve(ln net.Listener) error {
	defer p.conns.Done()
	var backoff time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if p.isClosed() {
				return ErrClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || isTemporaryAccept(err) {
				// Out of file descriptors and the like: wait, as net/http does.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		if !p.ServeConn(c) {
			return ErrClosed
		}
	}
}

// ServeConn handles one client connection in its own goroutine and returns
// at once; it reports false (and closes c) when the proxy is closed.
func (p *Proxy) ServeConn(c net.Conn) bool {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		c.Close()
		return false
	}
	p.conns.Add(1)
	p.mu.Unlock()
	p.active.Add(1)
	go func() {
		defer p.conns.Done()
		defer p.active.Add(-1)
		if p.cfg.Protocol == fault.TCP {
			p.serveTCP(c)
		} else {
			p.serveHTTP(c)
		}
	}()
	return true
}

func (p *Proxy) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// Close stops the listeners, closes every connection and waits for their
// goroutines to end.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		p.conns.Wait()
		return nil
	}
	p.closed = true
	for ln := range p.listeners {
		ln.Close()
	}
	p.mu.Unlock()
	p.cancel()
	p.conns.Wait()
	return nil
}

// Faults returns the current plan's buckets.
func (p *Proxy) Faults() []fault.Config { return p.plan.Load().Configs() }

// SetFaults replaces the whole plan. Connections pick it up at their next
// request (HTTP) or next connection (TCP).
func (p *Proxy) SetFaults(cfgs []fault.Config) error {
	plan, err := fault.NewPlan(p.cfg.Protocol, cfgs)
	if err != nil {
		return err
	}
	p.planMu.Lock()
	p.plan.Store(plan)
	p.planMu.Unlock()
	return nil
}

// AddFault adds one bucket to the plan.
func (p *Proxy) AddFault(c fault.Config) error {
	p.planMu.Lock()
	defer p.planMu.Unlock()
	plan, err := fault.NewPlan(p.cfg.Protocol, append(p.plan.Load().Configs(), c))
	if err != nil {
		return err
	}
	p.plan.Store(plan)
	return nil
}

// RemoveFault removes the bucket called name; the error wraps
// fault.ErrNotFound when there is none.
func (p *Proxy) RemoveFault(name string) error {
	p.planMu.Lock()
	defer p.planMu.Unlock()
	rest, err := p.plan.Load().Without(name)
	if err != nil {
		return err
	}
	plan, err := fault.NewPlan(p.cfg.Protocol, rest)
	if err != nil {
		return err
	}
	p.plan.Store(plan)
	return nil
}

// Stats returns a snapshot of the counters.
func (p *Proxy) Stats() Stats { return p.stats.snapshot(p.cfg.Protocol) }

// ResetStats sets every counter back to zero.
func (p *Proxy) ResetStats() { p.stats.reset() }

// dial connects to the backend within the dial timeout.
func (p *Proxy) dial(ctx context.Context) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.DialTimeout)
	defer cancel()
	c, err := p.cfg.Dial(ctx, "tcp", p.cfg.Backend)
	if err != nil {
		p.logBackend(err)
		return nil, err
	}
	return c, nil
}

func (p *Proxy) logBackend(err error) {
	if p.cfg.Logger != nil && p.ctx.Err() == nil {
		p.cfg.Logger.LogAttrs(p.ctx, slog.LevelWarn, "backend unreachable",
			slog.String("proxy", p.cfg.Name), slog.String("backend", p.cfg.Backend), slog.String("error", err.Error()))
	}
}
