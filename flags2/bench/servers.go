package bench

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"flagsuite/testserver/dataset"
	"flagsuite/testserver/site"
)

// endpoint is what a run is measured against: a server at a base URL
// whose counts start afresh for each run.
type endpoint interface {
	baseURL() string
	fresh() counter
}

// counter is the server's side of one run.
type counter interface {
	counts() serverCounts
}

// serverCounts is what a server saw in one run.
type serverCounts struct {
	requests int64 // requests received
	peak     int64 // the most in flight at once
	injected int64 // failures injected
	view     codeView
}

// server is one of LOCAL, DELAY, ERROR, served in this process on a free
// loopback port. Each run swaps in a fresh site, so the stats a run reads
// are its own (peak in-flight included) and ERROR's seeded fates start
// over: every run of a code set meets the same number of failures.
type server struct {
	label string
	cfg   site.Config
	base  string       // "http://127.0.0.1:PORT/flags"
	hs    *site.Server // serves the site of the current run
}

// serverRun is what the server holds for one measured run.
type serverRun struct {
	site   *site.Site
	ledger *ledger
}

func (s *server) baseURL() string { return s.base }

func (r *serverRun) counts() serverCounts {
	st := r.site.Stats()
	return serverCounts{requests: st.Requests, peak: st.MaxInFlight, injected: st.InjectedErrors, view: r.ledger.view()}
}

// fresh puts a new site, with a new ledger, behind the server.
func (s *server) fresh() counter {
	l := &ledger{last: map[string]int{}}
	cfg := s.cfg
	cfg.Logger = slog.New(l)
	cur := &serverRun{site: site.New(cfg), ledger: l}
	s.hs.SetSite(cur.site)
	return cur
}

// ledger keeps, for each path a run asked for, the status of its last
// answer: what the server did for each code, whatever the client says.
// From it the bench knows how many codes a command asked for, and which of
// them the server failed, for clients that make one request per code, two
// (flags3), or retry. It reads the site's request log: it is the
// slog.Handler of the site's Logger, and keeps the path and status of each
// line.
type ledger struct {
	mu   sync.Mutex     // guards last
	last map[string]int // URL path → status of its last answer
}

func (l *ledger) Enabled(context.Context, slog.Level) bool { return true }
func (l *ledger) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *ledger) WithGroup(string) slog.Handler            { return l }

func (l *ledger) Handle(_ context.Context, r slog.Record) error {
	var path string
	var status int
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "path":
			path = a.Value.String()
		case "status":
			status = int(a.Value.Int64())
		}
		return true
	})
	l.note(path, status)
	return nil
}

// note records the status of an answer to path.
func (l *ledger) note(path string, status int) {
	l.mu.Lock()
	l.last[path] = status
	l.mu.Unlock()
}

// codeView is the server's view of a run, by code.
type codeView struct {
	codes  int // codes with at least one request: /flags/<cc>/…
	failed int // codes whose last answers include a failure other than 404, and no 404
	paths  int // the most files asked for of one code: 1 for flags2, 2 for flags3
}

// view groups the ledger by code. A code is failed as the clients count
// errors: a 404 on any of its requests makes it "not found" instead, and a
// request retried until it succeeded is not a failure.
func (l *ledger) view() codeView {
	l.mu.Lock()
	defer l.mu.Unlock()
	type state struct {
		failed, missing bool
		paths           int
	}
	codes := map[string]state{}
	for path, status := range l.last {
		rest, ok := strings.CutPrefix(path, "/flags/")
		cc, _, found := strings.Cut(rest, "/")
		if !ok || !found || cc == "" {
			continue // the listing, or a path outside the data set
		}
		st := codes[cc]
		switch {
		case status == http.StatusNotFound:
			st.missing = true
		case status != http.StatusOK:
			st.failed = true
		}
		st.paths++
		codes[cc] = st
	}
	v := codeView{codes: len(codes)}
	for _, st := range codes {
		if st.failed && !st.missing {
			v.failed++
		}
		v.paths = max(v.paths, st.paths)
	}
	return v
}

// siteConfig is the site of a label as the bench configures it: DELAY waits
// exactly cfg.Delay, ERROR fails a seeded share of GETs after cfg.ErrorDelay.
func siteConfig(cfg Config, label string) site.Config {
	switch label {
	case "DELAY":
		return site.Config{Mode: site.Delay, MinDelay: cfg.Delay, MaxDelay: cfg.Delay}
	case "ERROR":
		wait := cfg.ErrorDelay
		if wait == 0 {
			wait = -1 // site.Config: negative is none, zero the book's 0.5 s
		}
		return site.Config{Mode: site.Error, ErrorDelay: wait, ErrorRate: cfg.ErrorRate, Seed: cfg.Seed, Seeded: true}
	}
	return site.Config{Mode: site.Local}
}

// startServers serves each label on its own port of 127.0.0.1 and returns
// them by label, with a function that stops them all.
func startServers(cfg Config, labels []string) (map[string]*server, func(), error) {
	dataset.Embedded() // generate the flags now, not while the first run waits
	servers := map[string]*server{}
	stop := func() {
		for _, s := range servers {
			s.shutdown()
		}
	}
	for _, label := range labels {
		s, err := serve(label, siteConfig(cfg, label))
		if err != nil {
			stop()
			return nil, nil, err
		}
		servers[label] = s
	}
	return servers, stop, nil
}
