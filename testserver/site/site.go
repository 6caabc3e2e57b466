// Package site is the HTTP side of the test servers: a Site serves a flag
// data set the way the book's LOCAL, DELAY and ERROR servers do.
//
//	LOCAL  answers at once
//	DELAY  every GET waits a random 0.5–5.0 s first
//	ERROR  every GET waits 0.5 s; 25 % of them answer 418 I'm a teapot
//
// Every answer is rendered once, when the Site is made. The command
// testserver and the clients' in-process servers run a Site on a Server,
// which speaks HTTP/1.1 on its own connections, faster than nginx serves
// the same files. A Site is also an http.Handler, for client tests:
//
//	srv := httptest.NewServer(site.New(site.Config{Mode: site.Error, Seeded: true, Seed: 1}))
//	base := srv.URL + "/flags"
package site

import (
	"cmp"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"flagsuite/testserver/dataset"
)

// Mode is the behaviour of a site.
type Mode int

const (
	Local Mode = iota // answers at once
	Delay             // every GET waits between MinDelay and MaxDelay first
	Error             // every GET waits ErrorDelay; a share ErrorRate of them fail
)

// String returns the book's label: "LOCAL", "DELAY" or "ERROR".
func (m Mode) String() string {
	switch m {
	case Local:
		return "LOCAL"
	case Delay:
		return "DELAY"
	case Error:
		return "ERROR"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Config says what a site serves and how. The zero value is a LOCAL site
// serving the embedded data set under /flags. Durations and the error rate
// take their book default when zero; a negative value means none (no delay,
// no errors).
type Config struct {
	Mode Mode
	Data fs.FS // folders "<cc>/" at its root; nil means dataset.Embedded()

	MinDelay time.Duration // Delay mode: 0.5s when zero
	MaxDelay time.Duration // Delay mode: 5s when zero; raised to MinDelay if below it

	ErrorRate   float64       // Error mode: share of GETs that fail, 0.25 when zero, at most 1
	ErrorDelay  time.Duration // Error mode: wait before every GET, 0.5s when zero
	ErrorStatus int           // Error mode: 418 I'm a teapot when zero; New panics outside 100–999

	// With Seeded, the n-th GET under the prefix (in arrival order) gets a
	// delay and a fate that depend only on Seed and n, so the same seed
	// gives the same sequence. Without it, a random seed is drawn.
	Seed   int64
	Seeded bool
	// With SeedByPath, a GET's delay and fate depend on the seed and its URL
	// path instead of its number: the same files wait and fail the same on
	// every run, whatever order the requests arrive in, and a retry of a
	// failed file fails again.
	SeedByPath bool

	Logger *slog.Logger // one line per request; nil logs nothing
	Prefix string       // URL path of the data set: "/flags" when empty, "/" for the root
}

// ForLabel returns the book's configuration for "LOCAL", "DELAY" or "ERROR",
// in any case.
func ForLabel(label string) (Config, bool) {
	switch strings.ToUpper(label) {
	case "LOCAL":
		return Config{Mode: Local}, true
	case "DELAY":
		return Config{Mode: Delay, MinDelay: 500 * time.Millisecond, MaxDelay: 5 * time.Second}, true
	case "ERROR":
		return Config{Mode: Error, ErrorRate: 0.25, ErrorDelay: 500 * time.Millisecond, ErrorStatus: 418}, true
	}
	return Config{}, false
}

// Site serves one data set: as an http.Handler, or on connections of its
// own through a Server. It reads the whole data set when it is made and
// answers from memory, so a change to a data folder is seen by the next
// Site, not this one. It is safe for concurrent use.
type Site struct {
	mode       Mode
	data       fs.FS    // for files too big to hold (see maxHeld)
	answers    *answers // the data set's answers, rendered once
	redirect   *answer  // the prefix without its slash: 301 to the listing
	failure    *answer  // the injected error
	prefix     string   // without a trailing slash: "/flags", or "" for the root
	minDelay   time.Duration
	maxDelay   time.Duration
	errorRate  float64
	errorDelay time.Duration
	seed       uint64
	byPath     bool
	logger     *slog.Logger

	gets  atomic.Uint64 // GETs under the prefix so far: numbers each one for fate
	stats counters
}

// New returns a site for cfg, with the defaults Config documents.
func New(cfg Config) *Site {
	s := &Site{
		mode:       cfg.Mode,
		data:       cfg.Data,
		minDelay:   orDefault(cfg.MinDelay, 500*time.Millisecond),
		maxDelay:   orDefault(cfg.MaxDelay, 5*time.Second),
		errorRate:  min(orDefault(cfg.ErrorRate, 0.25), 1),
		errorDelay: orDefault(cfg.ErrorDelay, 500*time.Millisecond),
		seed:       uint64(cfg.Seed),
		byPath:     cfg.SeedByPath,
		logger:     cfg.Logger,
	}
	// Comparing with Embedded() cannot panic: its dynamic type is a pointer.
	if s.data == nil || s.data == dataset.Embedded() {
		s.data, s.answers = dataset.Embedded(), embeddedAnswers()
	} else {
		s.answers = renderData(s.data)
	}
	prefix := cfg.Prefix
	if prefix == "" {
		prefix = "/flags"
	}
	s.prefix = strings.TrimSuffix("/"+strings.Trim(prefix, "/"), "/") // "/" becomes ""
	s.maxDelay = max(s.maxDelay, s.minDelay)
	status := cmp.Or(cfg.ErrorStatus, 418)
	if status < 100 || status > 999 {
		panic(fmt.Sprintf("site: ErrorStatus %d is not an HTTP status code", status))
	}
	s.failure = text(status, fmt.Sprintf("%d %s\n", status, statusText(status)))
	s.redirect = text(http.StatusMovedPermanently, "301 moved permanently to "+s.prefix+"/\n", [2]string{"Location", s.prefix + "/"})
	if !cfg.Seeded {
		s.seed = rand.Uint64()
	}
	return s
}

// orDefault returns def for zero and zero for a negative value.
func orDefault[T time.Duration | float64](v, def T) T {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}
