// Package api is the chaos proxy's control plane: a set of running proxies
// and the JSON-over-HTTP API that lists, creates and removes them, changes
// their faults while traffic flows, and reports what they injected.
//
// Routes:
//
//	GET    /healthz                       {"status": "ok"}
//	GET    /stats                         totals: {"requests": N, "faults": {...}, "statuses": {...}, "proxies": {...}}
//	DELETE /stats                         zero every counter, faults unchanged
//	POST   /reset                         remove every fault and zero every counter
//	GET    /faults                        the fault kinds and their options
//	GET    /proxies                       every proxy
//	POST   /proxies                       create a proxy, faults included: a Spec
//	GET    /proxies/{name}                one proxy
//	DELETE /proxies/{name}                stop and remove it
//	GET    /proxies/{name}/stats          its counters
//	GET    /proxies/{name}/faults         its fault buckets
//	PUT    /proxies/{name}/faults         replace them: [config, ...] or {"behavior": "25:error", "options": {"error-status": "418"}}
//	POST   /proxies/{name}/faults         add one bucket: {"name": "delay", "percent": 10, "options": {"sleep": "0.5"}}
//	DELETE /proxies/{name}/faults         remove them all
//	DELETE /proxies/{name}/faults/{fault} remove one
//
// A fault change swaps the proxy's immutable plan; open connections use it
// from their next request. Nothing here takes a lock that traffic takes.
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

// Spec describes a proxy in the control API and in a --config file.
type Spec struct {
	Name     string         `json:"name"`
	Protocol string         `json:"protocol,omitempty"` // "http" (default) or "tcp"
	Listen   string         `json:"listen,omitempty"`   // HOST:PORT; "127.0.0.1:0" when empty
	Backend  string         `json:"backend"`            // HOST:PORT
	Faults   []fault.Config `json:"faults,omitempty"`
	Seed     *int64         `json:"seed,omitempty"`    // repeatable fates
	SeedBy   string         `json:"seed_by,omitempty"` // "request" (default) or "path"
	Tag      bool           `json:"tag,omitempty"`     // X-Chaos-Fault response header
}

// Info is a running proxy as the API shows it.
type Info struct {
	Spec
	URL string `json:"url"` // http://HOST:PORT or tcp://HOST:PORT
}

// Options are settings shared by every proxy a Server starts.
type Options struct {
	Logger      *slog.Logger  // fault log; nil for none (--quiet)
	DialTimeout time.Duration // 0: proxy default (5s)
	IdleTimeout time.Duration // 0: proxy default (2m)
	// HeaderTimeout: 0 is the proxy default (10s), negative no limit.
	HeaderTimeout time.Duration
	// AllowRemote is the public option (--api-public): clients other than
	// loopback may use the API, and proxies created through it may listen
	// on any address. Off by default: the API can point proxies anywhere.
	AllowRemote bool
	// Host is the name the API is served on (the host of --api), which
	// requests may name in their Host header besides loopback names.
	Host string
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
var ErrExists = errors.New("proxy exists")

// ErrNoProxy is returned for an unknown proxy name.
var ErrNoProxy = errors.New("no such proxy")

// Config turns a spec into a proxy configuration.
func (s *Server) Config(spec Spec) (proxy.Config, error) {
	cfg := proxy.Config{
		Name:          spec.Name,
		Protocol:      fault.Protocol(spec.Protocol),
		Backend:       spec.Backend,
		Faults:        spec.Faults,
		SeedBy:        proxy.SeedBy(spec.SeedBy),
		Tag:           spec.Tag,
		DialTimeout:   s.opts.DialTimeout,
		IdleTimeout:   s.opts.IdleTimeout,
		Logger:        s.opts.Logger,
		HeaderTimeout: s.opts.HeaderTimeout,
	}
	if cfg.Protocol == "" {
		cfg.Protocol = fault.HTTP
	}
	if spec.Seed != nil {
		cfg.Seed, cfg.Seeded = *spec.Seed, true
	} else if spec.SeedBy != "" {
		return cfg, errors.New("seed_by needs a seed")
	}
	if spec.Name == "" {
		return cfg, errors.New("a proxy needs a name")
	}
	return cfg, nil
}

// Start validates spec, listens on spec.Listen and serves the new proxy in
// the background.
func (s *Server) Start(spec Spec) (*proxy.Proxy, error) {
	cfg, err := s.Config(spec)
	if err != nil {
		return nil, err
	}
	if _, err := proxy.New(cfg); err != nil { // validate before taking the name or a port
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.proxies[spec.Name]; ok {
		return nil, fmt.Errorf("%w: %s", ErrExists, spec.Name)
	}
	addr := spec.Listen
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	p, err := proxy.Listen(cfg, addr)
	if err != nil {
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
		return fmt.Errorf("listen %q: want HOST:PORT", addr)
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

// Reset removes every fault and zeroes every counter.
func (s *Server) Reset() {
	for _, p := range s.Proxies() {
		p.SetFaults(nil)
		p.ResetStats()
	}
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

// InfoOf describes a running proxy.
func InfoOf(p *proxy.Proxy) Info {
	cfg := p.Config()
	in := Info{Spec: Spec{
		Name:     cfg.Name,
		Protocol: string(cfg.Protocol),
		Backend:  cfg.Backend,
		Faults:   cfg.Faults,
		Tag:      cfg.Tag,
	}, URL: p.URL()}
	if in.Faults == nil {
		in.Faults = []fault.Config{}
	}
	if a := p.Addr(); a != nil {
		in.Listen = a.String()
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
