// Package proxy is the chaos proxy's data path: a listener whose accept loop
// only accepts, one goroutine per client connection that dials the backend
// itself (with a timeout), and, in HTTP mode, a request reader that draws a
// fate for every request, keep-alive or not.
//
// A Proxy holds its toxics in an atomic pointer to an immutable fault.Set:
// changing them swaps the pointer. An HTTP connection loads it again at its
// next request; a TCP connection is told (a channel closed at every change)
// and rebuilds its stages, so a change reaches connections already open.
// The control API never waits for traffic, nor traffic for the API.
//
//	client ──▶ accept loop ──▶ go conn ──▶ read request ──▶ toxics that fire for its draw
//	                                  │                        │
//	                                  │        their faults ◀──┘ (or pass)
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
	Name string // label in logs and the API; "main" when empty
	// Protocol is fault.HTTP (the default: frame requests, a fate per
	// request), fault.TCP (relay bytes, a fate per connection) or fault.Any
	// (frame HTTP whenever an HTTP toxic is present, relay TCP otherwise,
	// decided for each new connection: what a Toxiproxy client gets).
	Protocol fault.Protocol
	Backend  string         // HOST:PORT to dial (Toxiproxy's upstream)
	Faults   []fault.Config // the --behavior buckets, which become toxics of one group
	Toxics   []fault.Toxic  // more toxics, after the buckets

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
	cfg      Config
	toxics   atomic.Pointer[fault.Set]
	gen      atomic.Uint64                 // changes of toxics so far
	changed  atomic.Pointer[chan struct{}] // closed, and replaced, at every change of toxics
	upstream atomic.Pointer[string]
	seq      atomic.Uint64 // requests (HTTP) or connections (TCP) so far: the k of the draw
	stats    counters
	active   atomic.Int64 // connection goroutines running

	toxicMu sync.Mutex // serialises read-modify-write of toxics; traffic never takes it

	linksMu sync.Mutex         // guards links
	links   map[*link]struct{} // open TCP connections, which a change waits for
	stateMu sync.Mutex         // serialises Enable, Disable, Update and Close

	conns sync.WaitGroup // connection goroutines and Serve loops

	mu        sync.Mutex // guards the fields below
	listeners map[net.Listener]struct{}
	closed    bool
	enabled   bool
	listen    string             // the address to listen on; the real one once listening
	ctx       context.Context    // the enabled period's: parent of every connection's context
	cancel    context.CancelFunc // ends the period: closes every connection
}

// New checks cfg and builds its initial toxics. The proxy does not listen
// until Start (or Listen, or Serve).
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
		if cfg.Protocol == fault.TCP {
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
	buckets, err := fault.Buckets(cfg.Faults)
	if err != nil {
		return nil, err
	}
	set, err := fault.NewSet(cfg.Protocol, append(buckets, cfg.Toxics...))
	if err != nil {
		return nil, err
	}
	p := &Proxy{cfg: cfg, listeners: map[net.Listener]struct{}{}, links: map[*link]struct{}{}}
	p.cfg.Faults, p.cfg.Toxics = nil, nil // the set is the one truth from now on
	p.toxics.Store(set)
	ch := make(chan struct{})
	p.changed.Store(&ch)
	backend := cfg.Backend
	p.upstream.Store(&backend)
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
	if err := p.Start(addr); err != nil {
		return nil, err
	}
	return p, nil
}

// Start sets the address to listen on and enables the proxy.
func (p *Proxy) Start(addr string) error {
	p.mu.Lock()
	p.listen = addr
	p.mu.Unlock()
	return p.Enable()
}

// SetListen sets the address to listen on at the next Enable.
func (p *Proxy) SetListen(addr string) error {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return fmt.Errorf("listen %q: %w", addr, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.listen = addr
	return nil
}

// SameAddresses reports whether the proxy listens on listen (however the
// host is written) and forwards to upstream.
func (p *Proxy) SameAddresses(listen, upstream string) bool {
	return sameAddr(p.ListenAddr(), listen) && upstream == p.Backend()
}

// Enable listens again on the proxy's address (the same port once it had
// one) and serves it in the background.
func (p *Proxy) Enable() error {
	p.stateMu.Lock()
	defer p.stateMu.Unlock()
	return p.enable()
}

func (p *Proxy) enable() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ErrClosed
	}
	if p.enabled {
		p.mu.Unlock()
		return nil
	}
	addr := p.listen
	p.mu.Unlock()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.listen = ln.Addr().String()
	p.mu.Unlock()
	if err := p.track(ln); err != nil {
		return err
	}
	go p.serve(ln)
	return nil
}

// Disable closes the proxy's listeners and every connection, and waits for
// them to end; Enable starts it again.
func (p *Proxy) Disable() {
	p.stateMu.Lock()
	defer p.stateMu.Unlock()
	p.disable()
}

func (p *Proxy) disable() {
	p.mu.Lock()
	if !p.enabled {
		p.mu.Unlock()
		return
	}
	p.enabled = false
	for ln := range p.listeners {
		ln.Close()
		delete(p.listeners, ln)
	}
	cancel := p.cancel
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.mu.Unlock()
	cancel()
	p.conns.Wait()
}

// Enabled reports whether the proxy is listening.
func (p *Proxy) Enabled() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.enabled
}

// Update changes where the proxy listens and what it forwards to; if either
// differs, it stops (closing its connections) and starts again if it was
// enabled, as Toxiproxy does.
func (p *Proxy) Update(listen, upstream string) error {
	if _, _, err := net.SplitHostPort(upstream); err != nil {
		return fmt.Errorf("upstream %q: %w", upstream, err)
	}
	p.stateMu.Lock()
	defer p.stateMu.Unlock()
	p.mu.Lock()
	same := sameAddr(p.listen, listen) && upstream == *p.upstream.Load()
	was := p.enabled
	p.mu.Unlock()
	if same {
		return nil
	}
	p.disable()
	p.mu.Lock()
	p.listen = listen
	p.mu.Unlock()
	p.upstream.Store(&upstream)
	if !was {
		return nil
	}
	return p.enable()
}

// sameAddr compares a listening address with one asked for, which may
// name the host differently ("localhost:80" and "127.0.0.1:80").
func sameAddr(have, want string) bool {
	if have == want {
		return true
	}
	a, err1 := net.ResolveTCPAddr("tcp", want)
	b, err2 := net.ResolveTCPAddr("tcp", have)
	return err1 == nil && err2 == nil && a.String() == b.String()
}

// Name returns the proxy's name.
func (p *Proxy) Name() string { return p.cfg.Name }

// Protocol returns what a new connection gets now: fault.HTTP or fault.TCP.
func (p *Proxy) Protocol() fault.Protocol {
	if pr := p.toxics.Load().Protocol(); pr != fault.Any {
		return pr
	}
	return fault.TCP
}

// Explicit returns the protocol the proxy was configured with: HTTP, TCP
// or Any.
func (p *Proxy) Explicit() fault.Protocol { return p.cfg.Protocol }

// Backend returns the backend address.
func (p *Proxy) Backend() string { return *p.upstream.Load() }

// Config returns the proxy's settings, Toxics being the current ones and
// Backend the current upstream.
func (p *Proxy) Config() Config {
	c := p.cfg
	c.Toxics = p.Toxics()
	c.Backend = p.Backend()
	return c
}

// Addr returns the address of the first listener, or nil when it listens
// on none.
func (p *Proxy) Addr() net.Addr {
	p.mu.Lock()
	defer p.mu.Unlock()
	for ln := range p.listeners {
		return ln.Addr()
	}
	return nil
}

// Listen returns the address the proxy listens on, or would when enabled.
func (p *Proxy) ListenAddr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.listen
}

// URL returns "http://HOST:PORT" (or tcp://) of the first listener.
func (p *Proxy) URL() string {
	a := p.Addr()
	if a == nil {
		return ""
	}
	return string(p.Protocol()) + "://" + a.String()
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
	p.enabled = true
	p.conns.Add(1)
	return nil
}

func (p *Proxy) serve(ln net.Listener) error {
	defer p.conns.Done()
	var backoff time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if !p.listening(ln) {
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

// listening reports whether ln is still one of the proxy's listeners.
func (p *Proxy) listening(ln net.Listener) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.listeners[ln]
	return ok && !p.closed
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
	ctx := p.ctx
	p.conns.Add(1)
	p.mu.Unlock()
	p.active.Add(1)
	p.stats.connections.Add(1)
	go func() {
		defer p.conns.Done()
		defer p.active.Add(-1)
		if p.Protocol() == fault.TCP {
			p.serveTCP(ctx, c)
		} else {
			p.serveHTTP(ctx, c)
		}
	}()
	return true
}

// Close stops the listeners, closes every connection and waits for their
// goroutines to end.
func (p *Proxy) Close() error {
	p.stateMu.Lock()
	defer p.stateMu.Unlock()
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		p.conns.Wait()
		return nil
	}
	p.closed = true
	p.enabled = false
	for ln := range p.listeners {
		ln.Close()
	}
	p.mu.Unlock()
	p.cancel()
	p.conns.Wait()
	return nil
}

// Toxics returns the proxy's toxics, in order.
func (p *Proxy) Toxics() []fault.Toxic { return p.toxics.Load().Toxics() }

// Toxic returns the toxic called name.
func (p *Proxy) Toxic(name string) (fault.Toxic, bool) {
	for _, t := range p.Toxics() {
		if t.Name == name {
			return t, true
		}
	}
	return fault.Toxic{}, false
}

// current returns the toxics, their generation and a channel closed at
// their next change.
func (p *Proxy) current() (*fault.Set, uint64, <-chan struct{}) {
	ch := p.changed.Load()
	g := p.gen.Load()
	return p.toxics.Load(), g, *ch
}

// applyWait bounds how long a change waits for an open connection to take
// it up: one stuck writing to a client that does not read must not hang
// the API.
const applyWait = 5 * time.Second

// change swaps in what f makes of the current toxics. Open connections see
// it at once: HTTP ones at their next request; TCP ones rebuild their
// stages, and change returns once they have, as Toxiproxy's API does, so
// that a client's next round trip after the call meets the new toxics.
func (p *Proxy) change(f func(*fault.Set) (*fault.Set, error)) error {
	p.toxicMu.Lock()
	defer p.toxicMu.Unlock()
	set, err := f(p.toxics.Load())
	if err != nil {
		return err
	}
	p.linksMu.Lock()
	links := make([]*link, 0, len(p.links))
	for l := range p.links {
		links = append(links, l)
	}
	p.toxics.Store(set)
	g := p.gen.Add(1)
	ch := make(chan struct{})
	close(*p.changed.Swap(&ch))
	p.linksMu.Unlock()
	deadline := time.NewTimer(applyWait)
	defer deadline.Stop()
	for _, l := range links {
		if !l.waitApplied(g, deadline.C) {
			break
		}
	}
	return nil
}

// SetToxics replaces every toxic.
func (p *Proxy) SetToxics(ts []fault.Toxic) error {
	return p.change(func(s *fault.Set) (*fault.Set, error) { return fault.NewSet(p.cfg.Protocol, ts) })
}

// AddToxic adds t after the others and returns it as the proxy shows it.
func (p *Proxy) AddToxic(t fault.Toxic) (fault.Toxic, error) {
	var added fault.Toxic
	err := p.change(func(s *fault.Set) (*fault.Set, error) {
		n, err := s.Add(t)
		if err == nil {
			ts := n.Toxics()
			added = ts[len(ts)-1]
		}
		return n, err
	})
	return added, err
}

// UpdateToxic merges attrs into the toxic called name, and sets its
// toxicity unless toxicity is nil.
func (p *Proxy) UpdateToxic(name string, attrs fault.Attributes, toxicity *float64) (fault.Toxic, error) {
	err := p.change(func(s *fault.Set) (*fault.Set, error) { return s.Update(name, attrs, toxicity) })
	if err != nil {
		return fault.Toxic{}, err
	}
	t, _ := p.Toxic(name)
	return t, nil
}

// RemoveToxic removes the toxic called name; the error wraps
// fault.ErrNotFound when there is none.
func (p *Proxy) RemoveToxic(name string) error {
	return p.change(func(s *fault.Set) (*fault.Set, error) { return s.Remove(name) })
}

// SetFaults replaces every toxic with the buckets of a --behavior list.
func (p *Proxy) SetFaults(cfgs []fault.Config) error {
	ts, err := fault.Buckets(cfgs)
	if err != nil {
		return err
	}
	return p.SetToxics(ts)
}

// Stats returns a snapshot of the counters.
func (p *Proxy) Stats() Stats { return p.stats.snapshot(p.Protocol()) }

// ResetStats sets every counter back to zero.
func (p *Proxy) ResetStats() { p.stats.reset() }

// dial connects to the backend within the dial timeout.
func (p *Proxy) dial(ctx context.Context) (net.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, p.cfg.DialTimeout)
	defer cancel()
	c, err := p.cfg.Dial(dctx, "tcp", p.Backend())
	if err != nil {
		p.logBackend(ctx, err)
		return nil, err
	}
	return c, nil
}

func (p *Proxy) logBackend(ctx context.Context, err error) {
	if p.cfg.Logger != nil && ctx.Err() == nil {
		p.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "backend unreachable",
			slog.String("proxy", p.cfg.Name), slog.String("backend", p.Backend()), slog.String("error", err.Error()))
	}
}
