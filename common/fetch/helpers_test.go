package fetch_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// roundTripFunc is a Transport that answers without a network, so retry
// timing can run inside a synctest bubble.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// answer builds the response a server would send.
func answer(r *http.Request, code int, body string, header ...string) *http.Response {
	h := http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return &http.Response{
		Status:        strconv.Itoa(code) + " " + http.StatusText(code),
		StatusCode:    code,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       r,
	}
}

// script is a Transport that plays a list of status codes, one per
// request, then answers 200 "ok" for ever. It counts the requests.
type script struct {
	mu     sync.Mutex // guards codes and calls
	codes  []int
	header []string // sent with every scripted status
	calls  int
	gate   *recordingGate // if set, every request checks it is held
	t      *testing.T
}

func (s *script) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.gate != nil && s.gate.Held() != 1 {
		s.t.Errorf("request %d sent while the gate is held %d times; want 1", s.calls, s.gate.Held())
	}
	if len(s.codes) == 0 {
		return answer(r, http.StatusOK, "ok"), nil
	}
	code := s.codes[0]
	s.codes = s.codes[1:]
	return answer(r, code, http.StatusText(code), s.header...), nil
}

func (s *script) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// recordingGate is a Gate that remembers how often it is held.
type recordingGate struct {
	mu                 sync.Mutex // guards the counts
	held, maxHeld, acq int
}

func (g *recordingGate) Acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.held++
	g.acq++
	g.maxHeld = max(g.maxHeld, g.held)
	return nil
}

func (g *recordingGate) Release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.held--
}

func (g *recordingGate) Held() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.held
}

func (g *recordingGate) Acquired() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.acq
}

// newServer starts a loopback server on a free port and closes it at the
// end of the test.
func newServer(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}
