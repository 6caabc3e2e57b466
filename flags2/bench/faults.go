package bench

import (
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"flagsuite/chaos/behavior"
	"flagsuite/chaos/proxy"
	"flagsuite/testserver/site"
)

// flaky is the server of the error-rate experiment: the LOCAL data behind
// a failure injector that answers 418 to a share rate of the GETs. Whether
// the k-th request for a path fails is a pure function of (seed, path, k),
// so a rerun with the same seed fails the same attempts of the same codes
// whatever order they arrive in, and a retry draws anew: with r retries a
// code is lost with probability rate^(r+1), as theory says.
//
// (testserver's --seed-by path draws once per path, so a retry fails again:
// right for a repeatable run, wrong for measuring retries.)
type flaky struct {
	rate float64
	seed uint64
	base string
	hs   *http.Server
	cur  atomic.Pointer[flakyRun]
}

// flakyRun is one run's state: a fresh LOCAL site whose request log feeds
// the ledger, the attempts per path, and the counts.
type flakyRun struct {
	site   *site.Site
	ledger *ledger

	mu    sync.Mutex        // guards tries
	tries map[string]uint64 // requests per path so far

	requests, inFlight, peak, injected atomic.Int64
}

func newFlaky(rate float64, seed int64) (*flaky, error) {
	f := &flaky{rate: rate, seed: uint64(seed)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("serving the error-rate experiment: %w", err)
	}
	f.base = "http://" + ln.Addr().String() + "/flags"
	f.fresh()
	f.hs = site.NewHTTPServer(f)
	go f.hs.Serve(ln)
	return f, nil
}

func (f *flaky) baseURL() string { return f.base }

func (f *flaky) fresh() counter {
	l := &ledger{last: map[string]int{}}
	r := &flakyRun{site: site.New(site.Config{Logger: slog.New(l)}), ledger: l, tries: map[string]uint64{}}
	f.cur.Store(r)
	return r
}

func (f *flaky) close() { f.hs.Close() }

func (f *flaky) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r := f.cur.Load()
	r.requests.Add(1)
	n := r.inFlight.Add(1)
	defer r.inFlight.Add(-1)
	for peak := r.peak.Load(); n > peak && !r.peak.CompareAndSwap(peak, n); peak = r.peak.Load() {
	}
	path := req.URL.Path
	if req.Method == http.MethodGet && strings.HasPrefix(path, "/flags/") {
		r.mu.Lock()
		k := r.tries[path]
		r.tries[path] = k + 1
		r.mu.Unlock()
		if draw(f.seed, path, k) < f.rate {
			r.injected.Add(1)
			r.ledger.note(path, http.StatusTeapot)
			http.Error(w, "418 I'm a teapot", http.StatusTeapot)
			return
		}
	}
	r.site.ServeHTTP(w, req)
}

func (r *flakyRun) counts() serverCounts {
	return serverCounts{requests: r.requests.Load(), peak: r.peak.Load(), injected: r.injected.Load(), view: r.ledger.view()}
}

// draw is the k-th request for path's number in [0, 1): a PCG stream keyed
// by the seed and a hash of the path, at position k.
func draw(seed uint64, path string, k uint64) float64 {
	h := fnv.New64a()
	h.Write([]byte(path))
	src := rand.NewPCG(seed, h.Sum64())
	var u uint64
	for range k + 1 {
		u = src.Uint64()
	}
	return float64(u>>11) / (1 << 53)
}

// newDelayServer serves the timeout experiment's DELAY: each file waits a
// time drawn between lo and hi from the seed and its path, so the same
// codes wait the same in every run.
func newDelayServer(lo, hi time.Duration, seed int64) (*server, error) {
	return serve("DELAY", site.Config{Mode: site.Delay, MinDelay: lo, MaxDelay: hi, Seed: seed, Seeded: true, SeedByPath: true})
}

// chaotic is the chaos experiment's server: LOCAL behind an in-process
// chaos proxy injecting a Vaurien --behavior list, seeded by path, so the
// same requests meet the same faults in every run.
type chaotic struct {
	backend *server
	proxy   *proxy.Proxy
	base    string
}

// chaosOptions are the behaviour options of the chaos experiment: the
// book's half-second delay.
var chaosOptions = map[string]map[string]string{"delay": {"sleep": "0.5"}}

func newChaotic(list string, seed int64) (*chaotic, error) {
	items, err := behavior.Parse(list)
	if err != nil {
		return nil, fmt.Errorf("--behavior %q: %w", list, err)
	}
	backend, err := serve("LOCAL", site.Config{})
	if err != nil {
		return nil, err
	}
	p, err := proxy.Listen(proxy.Config{
		Backend: strings.TrimPrefix(strings.TrimSuffix(backend.base, "/flags"), "http://"),
		Faults:  behavior.Configs(items, chaosOptions),
		Seed:    seed, Seeded: true, SeedBy: proxy.ByPath,
	}, "127.0.0.1:0")
	if err != nil {
		backend.hs.Close()
		return nil, fmt.Errorf("starting the chaos proxy for %q: %w", list, err)
	}
	return &chaotic{backend: backend, proxy: p, base: "http://" + p.Addr().String() + "/flags"}, nil
}

func (c *chaotic) baseURL() string { return c.base }

func (c *chaotic) fresh() counter {
	c.proxy.ResetStats()
	return chaosRun{c, c.backend.fresh()}
}

func (c *chaotic) close() {
	c.proxy.Close()
	c.backend.hs.Close()
}

// chaosRun counts what the proxy received and injected; the backend says
// how many were in flight at once.
type chaosRun struct {
	c       *chaotic
	backend counter
}

func (r chaosRun) counts() serverCounts {
	st := r.c.proxy.Stats()
	sc := r.backend.counts()
	sc.requests, sc.injected = st.Requests, 0
	for name, n := range st.Faults {
		if name != "delay" { // a delay is not a failure
			sc.injected += n
		}
	}
	return sc
}

// serve starts a site of cfg on a free loopback port.
func serve(label string, cfg site.Config) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("serving %s: %w", label, err)
	}
	s := &server{label: label, cfg: cfg, base: "http://" + ln.Addr().String() + "/flags"}
	s.hs = site.NewServer(site.New(cfg))
	go s.hs.Serve(ln)
	return s, nil
}

// shutdown stops a server, waiting a second for its answers.
func (s *server) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if s.hs.Shutdown(ctx) != nil {
		s.hs.Close()
	}
}
