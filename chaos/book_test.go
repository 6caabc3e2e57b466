package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"flagsuite/testserver/site"
)

// The acceptance runs of the issue, with a plain HTTP client standing in
// for flags2 -e: GET {base}/{cc}/{cc}.gif for the 676 codes AA..ZZ through
// chaos in front of the project's LOCAL server, the book's delay of .5 s
// shortened to 10 ms.

// tally is what flags2 reports: downloaded, not found (404), errors.
type tally struct {
	ok, notFound, errs int
	failed             []string // codes in error, sorted
}

func everyCode() []string {
	var codes []string
	for a := 'a'; a <= 'z'; a++ {
		for b := 'a'; b <= 'z'; b++ {
			codes = append(codes, string([]rune{a, b}))
		}
	}
	return codes
}

// download fetches every code through base with 32 concurrent requests, as
// flags2 -e -m 32 would, without retries.
func download(t *testing.T, base string) tally {
	t.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: 32}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var mu sync.Mutex // guards res
	var res tally
	work := make(chan string)
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for cc := range work {
				resp, err := c.Get(base + "/" + cc + "/" + cc + ".gif")
				status := 0
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					status = resp.StatusCode
				}
				mu.Lock()
				switch {
				case err == nil && status == 200:
					res.ok++
				case err == nil && status == 404:
					res.notFound++
				default:
					res.errs++
					res.failed = append(res.failed, cc)
				}
				mu.Unlock()
			}
		})
	}
	for _, cc := range everyCode() {
		work <- cc
	}
	close(work)
	wg.Wait()
	slices.Sort(res.failed)
	return res
}

func localSite(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(site.New(site.Config{Mode: site.Local}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func TestBookErrorLine(t *testing.T) {
	t.Parallel()
	r := startChaos(t, 1, true, "--protocol", "http", "--backend", localSite(t), "--proxy", "127.0.0.1:0",
		"--behavior", "25:error,50:delay", "--behavior-delay-sleep", ".01", "--api", "127.0.0.1:0", "--quiet")
	got := download(t, r.proxies[0]+"/flags")
	s := r.stats(t)
	if int64(got.errs) != s.Faults["error"] {
		t.Errorf("the client saw %d errors; /stats says %d injected errors", got.errs, s.Faults["error"])
	}
	if got.ok+got.notFound+got.errs != 676 || s.Requests != 676 {
		t.Errorf("tally %d+%d+%d, %d requests; want 676 codes in all", got.ok, got.notFound, got.errs, s.Requests)
	}
	if got.errs < 676*15/100 || got.errs > 676*35/100 || s.Faults["delay"] < 676*40/100 {
		t.Errorf("%d errors and %d delays in 676; want about 25%% and 50%%", got.errs, s.Faults["delay"])
	}
	// The LOCAL server has 194 of the 676 codes; chaos let the rest of
	// them through as 404s.
	if got.ok < 100 || got.notFound < 300 {
		t.Errorf("%d downloaded, %d not found; want most of 194 and 482", got.ok, got.notFound)
	}
}

func TestBookDelayLine(t *testing.T) {
	t.Parallel()
	r := startChaos(t, 1, true, "--backend", localSite(t), "--proxy", "127.0.0.1:0",
		"--behavior", "100:delay", "--behavior-delay-sleep", ".01", "--api", "127.0.0.1:0", "--quiet")
	start := time.Now()
	got := download(t, r.proxies[0]+"/flags")
	s := r.stats(t)
	if got.errs != 0 || s.Faults["delay"] != 676 || s.Faults["error"] != 0 {
		t.Errorf("100:delay gave %d errors, stats %+v; want none and 676 delays", got.errs, s)
	}
	// 676 requests of at least 10 ms, 32 at a time: at least 0.2 s.
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("676 delayed requests took %v; want at least 0.2s", d)
	}
}

func TestSeedByPathFailsSameCodes(t *testing.T) {
	t.Parallel()
	backend := localSite(t)
	failed := func(seed string) []string {
		r := startChaos(t, 1, false, "--backend", backend, "--proxy", "127.0.0.1:0", "--behavior", "25:error,50:delay",
			"--behavior-delay-sleep", ".01", "--seed", seed, "--seed-by", "path", "--quiet")
		return download(t, r.proxies[0]+"/flags").failed
	}
	first, second := failed("7"), failed("7")
	if len(first) == 0 || !slices.Equal(first, second) {
		t.Errorf("two runs with --seed 7 --seed-by path failed different codes:\n%v\n%v", first, second)
	}
	if slices.Equal(first, failed("8")) {
		t.Errorf("--seed 7 and --seed 8 failed the same codes")
	}
}
