package site

import (
	"context"
	"maps"
	"net/http/httptest"
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

// outcome is what one GET got: how long it took on the bubble's clock, and
// its status.
type outcome struct {
	took   time.Duration
	status int
}

// outcomes runs n GETs one after another against a new site for cfg, inside
// a synctest bubble, so that minutes of delays take no time.
func outcomes(t *testing.T, cfg Config, n int) []outcome {
	t.Helper()
	if cfg.Data == nil {
		cfg.Data = fsMap("br/br.gif")
	}
	var out []outcome
	synctest.Test(t, func(t *testing.T) {
		s := New(cfg)
		for range n {
			start := time.Now()
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, httptest.NewRequest("GET", "/flags/br/br.gif", nil))
			out = append(out, outcome{time.Since(start), rec.Code})
		}
	})
	return out
}

func TestSeedGivesSameSequence(t *testing.T) {
	t.Parallel()
	for _, mode := range []Mode{Delay, Error} {
		t.Run(mode.String(), func(t *testing.T) {
			a := outcomes(t, Config{Mode: mode, Seeded: true, Seed: 7}, 40)
			b := outcomes(t, Config{Mode: mode, Seeded: true, Seed: 7}, 40)
			c := outcomes(t, Config{Mode: mode, Seeded: true, Seed: 8}, 40)
			if !slices.Equal(a, b) {
				t.Errorf("seed 7 twice gave\n%v\n%v; want the same sequence", a, b)
			}
			if slices.Equal(a, c) {
				t.Errorf("seeds 7 and 8 both gave %v; want different sequences", a)
			}
		})
	}
}

func TestDelayRange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		cfg      Config
		min, max time.Duration
	}{
		{"book defaults", Config{Mode: Delay}, 500 * time.Millisecond, 5 * time.Second},
		{"set range", Config{Mode: Delay, MinDelay: time.Second, MaxDelay: 2 * time.Second}, time.Second, 2 * time.Second},
		{"fixed", Config{Mode: Delay, MinDelay: time.Second, MaxDelay: time.Second}, time.Second, time.Second},
		{"max below min", Config{Mode: Delay, MinDelay: 3 * time.Second, MaxDelay: time.Second}, 3 * time.Second, 3 * time.Second},
		{"no delay", Config{Mode: Delay, MinDelay: -1, MaxDelay: -1}, 0, 0},
		{"local", Config{Mode: Local}, 0, 0},
		{"error defaults", Config{Mode: Error}, 500 * time.Millisecond, 500 * time.Millisecond},
		{"error without delay", Config{Mode: Error, ErrorDelay: -1}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := outcomes(t, tt.cfg, 200)
			lo, hi := out[0].took, out[0].took
			for _, o := range out {
				lo, hi = min(lo, o.took), max(hi, o.took)
			}
			if lo < tt.min || hi > tt.max {
				t.Errorf("delays from %v to %v; want within %v–%v", lo, hi, tt.min, tt.max)
			}
			// 200 uniform draws cover most of the range.
			if span := tt.max - tt.min; span > 0 && hi-lo < span*9/10 {
				t.Errorf("delays from %v to %v; want them spread over %v–%v", lo, hi, tt.min, tt.max)
			}
		})
	}
}

func TestErrorRate(t *testing.T) {
	t.Parallel()
	const n = 2000
	tests := []struct {
		name   string
		cfg    Config
		status int
		lo, hi int // expected failures
	}{
		{"book defaults", Config{Mode: Error, Seeded: true, Seed: 1}, 418, n * 22 / 100, n * 28 / 100},
		{"half, 503", Config{Mode: Error, ErrorRate: 0.5, ErrorStatus: 503, Seeded: true, Seed: 2}, 503, n * 46 / 100, n * 54 / 100},
		{"all", Config{Mode: Error, ErrorRate: 1}, 418, n, n},
		{"none", Config{Mode: Error, ErrorRate: -1}, 418, 0, 0},
		{"delay mode never fails", Config{Mode: Delay, MinDelay: -1, MaxDelay: -1}, 418, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			failed := 0
			for _, o := range outcomes(t, tt.cfg, n) {
				switch o.status {
				case tt.status:
					failed++
				case 200:
				default:
					t.Fatalf("status %d; want 200 or %d", o.status, tt.status)
				}
			}
			t.Logf("%d of %d GETs failed", failed, n)
			if failed < tt.lo || failed > tt.hi {
				t.Errorf("%d of %d GETs failed; want %d–%d", failed, n, tt.lo, tt.hi)
			}
		})
	}
}

func TestErrorAnswer(t *testing.T) {
	t.Parallel()
	s := New(Config{Mode: Error, ErrorRate: 1, ErrorDelay: -1, Data: fsMap("br/br.gif")})
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/flags/br/br.gif", nil))
	if rec.Code != 418 || rec.Body.String() != "418 I'm a teapot\n" || rec.Header().Get("Content-Length") != "17" {
		t.Errorf("answer = %d %q (Content-Length %q); want 418 \"418 I'm a teapot\\n\" (17)",
			rec.Code, rec.Body.String(), rec.Header().Get("Content-Length"))
	}
	if got := s.Stats().InjectedErrors; got != 1 {
		t.Errorf("Stats().InjectedErrors = %d; want 1", got)
	}
	// HEAD is not a GET: no wait, no failure.
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("HEAD", "/flags/br/br.gif", nil))
	if rec.Code != 200 {
		t.Errorf("HEAD on an ERROR site = %d; want 200", rec.Code)
	}
}

// TestDelayStopsWhenClientLeaves: the wait ends the moment the request's
// context does, not when the delay is over.
func TestDelayStopsWhenClientLeaves(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := New(Config{Mode: Delay, MinDelay: time.Hour, MaxDelay: time.Hour, Data: fsMap("br/br.gif")})
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(time.Second, cancel)
		start := time.Now()
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest("GET", "/flags/br/br.gif", nil).WithContext(ctx))
		if took := time.Since(start); took != time.Second {
			t.Errorf("the handler returned after %v; want 1s, when the client left", took)
		}
		if rec.Code != 503 {
			t.Errorf("status = %d; want 503", rec.Code)
		}
		if st := s.Stats(); st.Canceled != 1 || st.InFlight != 0 || st.Served != 0 {
			t.Errorf("Stats() = %+v; want Canceled 1, InFlight 0, Served 0", st)
		}
	})
}

func TestUnseededSitesDiffer(t *testing.T) {
	t.Parallel()
	a := outcomes(t, Config{Mode: Delay}, 20)
	b := outcomes(t, Config{Mode: Delay}, 20)
	if slices.Equal(a, b) {
		t.Errorf("two unseeded sites gave the same delays %v; want random ones", a)
	}
}

// TestSeedByPath: with SeedByPath, each path's wait and failure depend on
// the seed and the path only, not on the order the requests come in.
func TestSeedByPath(t *testing.T) {
	t.Parallel()
	var paths []string
	for _, cc := range []string{"ad", "br", "cn", "de", "fr", "in", "jp", "mx", "ng", "us", "vn", "zw"} {
		paths = append(paths, "/flags/"+cc+"/"+cc+".gif", "/flags/"+cc+"/metadata.json")
	}
	type fate struct {
		wait time.Duration
		fail bool
	}
	fates := func(cfg Config, reverse bool) map[string]fate {
		s := New(cfg)
		order := slices.Clone(paths)
		if reverse {
			slices.Reverse(order)
		}
		got := map[string]fate{}
		for _, p := range order {
			w, f := s.fate(p)
			got[p] = fate{w, f}
		}
		return got
	}
	for _, cfg := range []Config{
		{Mode: Delay, Seeded: true, Seed: 3, SeedByPath: true},
		{Mode: Error, ErrorRate: 0.5, Seeded: true, Seed: 3, SeedByPath: true},
	} {
		a, b := fates(cfg, false), fates(cfg, true)
		if !maps.Equal(a, b) {
			t.Errorf("%v by path: in order %v; reversed %v; want the same fates", cfg.Mode, a, b)
		}
		byRequest := cfg
		byRequest.SeedByPath = false
		if maps.Equal(fates(byRequest, false), fates(byRequest, true)) {
			t.Errorf("%v by request: the same fates in both orders; want others (the test cannot tell otherwise)", cfg.Mode)
		}
		other := cfg
		other.Seed = 4
		if maps.Equal(a, fates(other, false)) {
			t.Errorf("%v by path: seeds 3 and 4 gave the same fates %v; want others", cfg.Mode, a)
		}
	}
}
