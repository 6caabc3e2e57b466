// Package api is the chaos proxy's control plane: a set of running proxies
// and the HTTP API that drives them, which is Toxiproxy's (v2.12.0), so
// toxiproxy-cli and Toxiproxy's client libraries work unchanged. chaos's
// HTTP faults are more toxic types; seed, seed_by, protocol and tag are
// more proxy fields.
//
// Routes (Toxiproxy's, then chaos's own):
//
//	GET    /proxies                          every proxy: {"name": proxy, ...}
//	POST   /proxies                          create one: {"name", "listen", "upstream", "enabled"}
//	POST   /populate                         create or replace many: [proxy, ...]
//	GET    /proxies/{proxy}                  one proxy, with its toxics
//	POST   /proxies/{proxy}                  change listen, upstream, enabled (PATCH too)
//	DELETE /proxies/{proxy}                  stop and remove it
//	GET    /proxies/{proxy}/toxics           its toxics
//	POST   /proxies/{proxy}/toxics           add one: {"name", "type", "stream", "toxicity", "attributes"}
//	GET    /proxies/{proxy}/toxics/{toxic}   one toxic
//	POST   /proxies/{proxy}/toxics/{toxic}   change its attributes and toxicity (PATCH too)
//	DELETE /proxies/{proxy}/toxics/{toxic}   remove it
//	POST   /reset                            enable every proxy, remove every toxic
//	GET    /version                          {"version": "..."}
//	GET    /metrics                          counters in the Prometheus text format
//	GET    /stats                            totals: {"requests": N, "faults": {...}, "statuses": {...}, "proxies": {...}}
//	DELETE /stats                            zero every counter
//	GET    /proxies/{proxy}/stats            one proxy's counters
//	GET    /toxics                           the toxic types and their attributes
//	GET    /healthz                          {"status": "ok"}
//
// Errors are {"error": "...", "status": N} with Toxiproxy's statuses: 404
// for an unknown proxy or toxic, 409 for a name (or port) taken, 400 for a
// bad request. A toxic change swaps the proxy's immutable set of toxics;
// open connections see it at once. Nothing here takes a lock that traffic
// takes.
package api

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"slices"
	"sync"
	"time"

	"flagsuite/chaos/fault"
	"flagsuite/chaos/proxy"
)

// Spec describes a proxy in the API, in /populate and in a --config file:
// Toxiproxy's fields, then chaos's own.
type Spec struct {
	Name     string        `json:"name"`
	Listen   string        `json:"listen"`             // HOST:PORT; "127.0.0.1:0" when empty
	Upstream string        `json:"upstream"`           // HOST:PORT
	Enabled  *bool         `json:"enabled,omitempty"`  // default true
	Toxics   []fault.Toxic `json:"toxics,omitempty"`   // chaos: toxics to start with (ignored by updates, as in Toxiproxy)
	Protocol string        `json:"protocol,omitempty"` // "http", "tcp", or "auto" (default: http when an HTTP toxic is present)
	Seed     *int64        `json:"seed,omitempty"`     // repeatable fates
	SeedBy   string        `json:"seed_by,omitempty"`  // "request" (default) or "path"
	Tag      bool          `json:"tag,omitempty"`      // X-Chaos-Fault response header

	// Backend and Faults are how config files of earlier chaos versions
	// wrote Upstream and --behavior buckets; they still read.
	Backend string         `json:"backend,omitempty"`
	Faults  []fault.Config `json:"faults,omitempty"`
}

// Info is a running proxy as the API shows it.
type Info struct {
	Name     string        `json:"name"`
	Listen   string        `json:"listen"`
	Upstream string        `json:"upstream"`
	Enabled  bool          `json:"enabled"`
	Toxics   []fault.Toxic `json:"toxics"`
	Protocol string        `json:"protocol"` // as configured: http, tcp or auto
	Seed     *int64        `json:"seed,omitempty"`
	SeedBy   string        `json:"seed_by,omitempty"`
	Tag      bool          `json:"tag,omitempty"`
}

// Options are settings shared by every proxy a Server starts.
type Options struct {
	Logger        *slog.Logger  // fault log; nil for none (--quiet)
	DialTimeout   time.Duration // 0: proxy default (5s)
	IdleTimeout   time.Duration // 0: proxy default (2m)
	HeaderTimeout time.Duration // 0: proxy default (10s), negative no limit
	// AllowRemote is the public option (--api-public): clients other than
	// loopback may use the API, and proxies created through it may listen
	// on any address. Off by default: the API can point proxies anywhere.
	AllowRemote bool
	// Host is the name the API is served on (the host of --api), which
	// requests may name in their Host header besides loopback names.
	Host string
	// Protocol is the protocol of a proxy whose spec names none: "auto"
	// (what Toxiproxy's clients get) when empty.
	Protocol fault.Protocol
}

// Server holds the running proxies and serves the API over them.
type Server struct {
	opts Options

	mu      sync.Mutex // guards proxies
	proxies map[string]*proxy.Proxy
}

// New returns a Server without proxies.
func New(opts Options) *Server {
	return &Server{opts: opts, proxies: map[string]*proxy.Proxy{}}
}

// ErrExists is returned when a proxy name is taken.
var ErrExists = errors.New("proxy already exists")

// ErrNoProxy is returned for an unknown proxy name.
var ErrNoProxy = errors.New("proxy not found")

// ErrListen wraps a failure to listen on a proxy's address: the port is
// taken (409 in the API, as a name conflict).
var ErrListen = errors.New("cannot listen")

// Config turns a spec into a proxy configuration.
func (s *Server) Config(spec Spec) (proxy.Config, error) {
	cfg := proxy.Config{
		Name:          spec.Name,
		Protocol:      fault.Protocol(spec.Protocol),
		Backend:       spec.Upstream,
		Faults:        spec.Faults,
		Toxics:        spec.Toxics,
		SeedBy:        proxy.SeedBy(spec.SeedBy),
		Tag:           spec.Tag,
		DialTimeout:   s.opts.DialTimeout,
		IdleTimeout:   s.opts.IdleTimeout,
		HeaderTimeout: s.opts.HeaderTimeout,
		Logger:        s.opts.Logger,
	}
	if cfg.Backend == "" {
		cfg.Backend = spec.Backend
	} else if spec.Backend != "" && spec.Backend != spec.Upstream {
		return cfg, errors.New("give upstream or backend, not both")
	}
	if cfg.Protocol == "" {
		cfg.Protocol = s.opts.Protocol
		if cfg.Protocol == "" {
			cfg.Protocol = fault.Any
		}
	}
	switch cfg.Protocol {
	case fault.HTTP, fault.TCP, fault.Any:
	default:
		return cfg, fmt.Errorf("protocol %q: http, tcp or auto", spec.Protocol)
	}
	if spec.Seed != nil {
		cfg.Seed, cfg.Seeded = *spec.Seed, true
	} else if spec.SeedBy != "" {
		return cfg, errors.New("seed_by needs a seed")
	}
	if spec.Name == "" {
		return cfg, errors.New("missing required field: name")
	}
	if cfg.Backend == "" {
		return cfg, errors.New("missing required field: upstream")
	}
	return cfg, nil
}

// Start validates spec, listens on spec.Listen (unless it is disabled) and
// serves the new proxy in the background.
func (s *Server) Start(spec Spec) (*proxy.Proxy, error) {
	p, err := s.build(spec)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.proxies[spec.Name]; ok {
		return nil, fmt.Errorf("%w: %s", ErrExists, spec.Name)
	}
	if err := s.begin(p, spec); err != nil {
		return nil, err
	}
	s.proxies[spec.Name] = p
	return p, nil
}

// build makes the proxy of a spec without starting it.
func (s *Server) build(spec Spec) (*proxy.Proxy, error) {
	cfg, err := s.Config(spec)
	if err != nil {
		return nil, err
	}
	return proxy.New(cfg)
}

// begin starts p listening as spec says.
func (s *Server) begin(p *proxy.Proxy, spec Spec) error {
	addr := spec.Listen
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	if spec.Enabled != nil && !*spec.Enabled {
		return p.SetListen(addr)
	}
	if err := p.Start(addr); err != nil {
		return fmt.Errorf("%w: %v", ErrListen, err)
	}
	return nil
}

// Populate creates or replaces the proxies of specs, in order, as
// Toxiproxy's /populate does: a proxy whose name exists with the same
// listen address and upstream is kept as it is (its toxics replaced when
// the spec lists some); one that differs is stopped and replaced. It
// returns the proxies done before any error.
func (s *Server) Populate(specs []Spec) ([]*proxy.Proxy, error) {
	for i, sp := range specs {
		if sp.Name == "" {
			return nil, fmt.Errorf("missing required field: name at proxy %d", i+1)
		}
		if sp.Upstream == "" && sp.Backend == "" {
			return nil, fmt.Errorf("missing required field: upstream at proxy %d", i+1)
		}
	}
	var done []*proxy.Proxy
	for _, sp := range specs {
		p, err := s.addOrReplace(sp)
		if err != nil {
			return done, err
		}
		done = append(done, p)
	}
	return done, nil
}

func (s *Server) addOrReplace(spec Spec) (*proxy.Proxy, error) {
	p, err := s.build(spec)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.proxies[spec.Name]; ok {
		if old.SameAddresses(spec.Listen, p.Backend()) {
			if spec.Toxics != nil || spec.Faults != nil {
				if err := old.SetToxics(p.Toxics()); err != nil {
					return nil, err
				}
			}
			return old, nil
		}
		old.Close()
		delete(s.proxies, spec.Name)
	}
	if err := s.begin(p, spec); err != nil {
		return nil, err
	}
	s.proxies[spec.Name] = p
	return p, nil
}

// checkListen refuses, without the public option, a proxy created through
// the API that would listen beyond loopback: a caller of the API must not
// open ports to the network.
func (s *Server) checkListen(addr string) error {
	if s.opts.AllowRemote || addr == "" {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil // not an address: listening on it fails, with its own error
	}
	if !IsLoopback(host) {
		return fmt.Errorf("listen %q: proxies created through the API listen on loopback only (127.0.0.1, ::1, localhost) unless chaos runs with --api-public", addr)
	}
	return nil
}

// Get returns the proxy called name.
func (s *Server) Get(name string) (*proxy.Proxy, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.proxies[name]
	return p, ok
}

// Proxies returns the running proxies sorted by name.
func (s *Server) Proxies() []*proxy.Proxy {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := slices.Sorted(maps.Keys(s.proxies))
	out := make([]*proxy.Proxy, len(names))
	for i, n := range names {
		out[i] = s.proxies[n]
	}
	return out
}

// Remove stops the proxy called name and forgets it.
func (s *Server) Remove(name string) error {
	s.mu.Lock()
	p, ok := s.proxies[name]
	delete(s.proxies, name)
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoProxy, name)
	}
	return p.Close()
}

// Close stops every proxy.
func (s *Server) Close() {
	for _, p := range s.Proxies() {
		s.Remove(p.Name())
	}
}

// Reset enables every proxy and removes every toxic, as Toxiproxy's
// /reset does; counters are kept (DELETE /stats zeroes them).
func (s *Server) Reset() error {
	var errs []error
	for _, p := range s.Proxies() {
		if err := p.Enable(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p.Name(), err))
		}
		p.SetToxics(nil)
	}
	return errors.Join(errs...)
}

// Totals are the counters of all proxies together, and of each.
type Totals struct {
	proxy.Stats
	Proxies map[string]proxy.Stats
}

// MarshalJSON writes the totals at the top level, as one proxy's stats
// look, plus "proxies": {"name": stats}.
func (t Totals) MarshalJSON() ([]byte, error) {
	top, err := t.Stats.MarshalJSON()
	if err != nil {
		return nil, err
	}
	per, err := marshalJSON(t.Proxies)
	if err != nil {
		return nil, err
	}
	// top is an object: splice "proxies" in before its closing brace.
	out := append(top[:len(top)-1:len(top)-1], `,"proxies":`...)
	out = append(out, per...)
	return append(out, '}'), nil
}

// Stats adds up every proxy's counters. With proxies of one protocol the
// totals read like that protocol's stats (requests or connections).
func (s *Server) Stats() Totals {
	t := Totals{Proxies: map[string]proxy.Stats{}}
	t.Faults, t.Statuses = map[string]int64{}, map[int]int64{}
	protos := map[fault.Protocol]bool{}
	for _, p := range s.Proxies() {
		st := p.Stats()
		t.Proxies[p.Name()] = st
		t.Add(st)
		protos[p.Protocol()] = true
	}
	switch {
	case len(protos) == 1 && protos[fault.TCP]:
		t.Protocol = fault.TCP
	case len(protos) <= 1:
		t.Protocol = fault.HTTP
	}
	return t
}

// InfoOf describes a proxy.
func InfoOf(p *proxy.Proxy) Info {
	cfg := p.Config()
	in := Info{
		Name:     cfg.Name,
		Listen:   p.ListenAddr(),
		Upstream: cfg.Backend,
		Enabled:  p.Enabled(),
		Toxics:   listed(cfg.Toxics),
		Protocol: string(cfg.Protocol),
		Tag:      cfg.Tag,
	}
	if in.Toxics == nil {
		in.Toxics = []fault.Toxic{}
	}
	if cfg.Seeded {
		seed := cfg.Seed
		in.Seed, in.SeedBy = &seed, string(cfg.SeedBy)
	}
	return in
}

// IsLoopback reports whether host (a name or an address, without port) is
// a loopback one; "localhost" counts, "" (every interface) does not.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
