package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"flagsuite/chaos/api"
	"flagsuite/chaos/behavior"
	"flagsuite/chaos/proxy"
	"flagsuite/testserver/clienttest"
	"flagsuite/testserver/dataset"
	"flagsuite/testserver/site"
)

// throughChaos starts the project's LOCAL server behind a chaos proxy set up
// with a Vaurien behaviour list (short delays, so the test stays quick) and
// returns the proxy and the base URL to give flags2.
func throughChaos(t *testing.T, list string, cfg proxy.Config) (*proxy.Proxy, string) {
	t.Helper()
	backend := httptest.NewServer(site.New(site.Config{}))
	t.Cleanup(backend.Close)
	items, err := behavior.Parse(list)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Backend = strings.TrimPrefix(backend.URL, "http://")
	cfg.Faults = behavior.Configs(items, map[string]map[string]string{"delay": {"sleep": "0.01"}})
	p, err := proxy.Listen(cfg, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p, "http://" + p.Addr().String() + "/flags"
}

// TestThroughChaos runs flags2 -e through the book's two Vaurien lines: the
// errors flags2 counts are the errors the proxy says it injected.
func TestThroughChaos(t *testing.T) {
	t.Parallel()
	for _, list := range []string{"100:delay", "25:error,50:delay"} {
		t.Run(list, func(t *testing.T) {
			p, base := throughChaos(t, list, proxy.Config{})
			dest := t.TempDir()
			code, rep, stderr := clienttest.RunJSON(t, context.Background(), family.Run, "-e", "-m", "50", "-s", base, "--dest", dest)
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			checkRun(t, rep, dest, dataset.Embedded())
			st := p.Stats()
			if int64(rep.Errors) != st.Faults["error"] || st.Requests != 676 {
				t.Errorf("flags2 counted %d errors; the proxy injected %d in %d requests", rep.Errors, st.Faults["error"], st.Requests)
			}
			if strings.Contains(list, "error") && rep.Errors == 0 {
				t.Error("no errors through 25:error")
			}
		})
	}
}

// TestChaosSeedByPath runs flags2 -e twice through 25:error with --seed 7
// --seed-by path: the same codes fail both times, whatever the order in
// which the requests arrive.
func TestChaosSeedByPath(t *testing.T) {
	t.Parallel()
	var failed [][]string
	for range 2 {
		_, base := throughChaos(t, "25:error,50:delay", proxy.Config{Seed: 7, Seeded: true, SeedBy: proxy.ByPath})
		code, rep, stderr := clienttest.RunJSON(t, context.Background(), family.Run, "-e", "-m", "100", "-s", base, "--dest", t.TempDir())
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		var codes []string
		for _, r := range rep.Results {
			if r.Status == "error" {
				codes = append(codes, r.CC)
			}
		}
		failed = append(failed, codes)
	}
	if len(failed[0]) == 0 || !slices.Equal(failed[0], failed[1]) {
		t.Errorf("runs failed %d and %d codes, not the same ones: %v vs %v", len(failed[0]), len(failed[1]), failed[0], failed[1])
	}
}

// apiCall sends one JSON request to chaos's control API.
func apiCall(t *testing.T, method, url, body string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s = %d %s", method, url, resp.StatusCode, b)
	}
}

// Issue 17: an HTTP toxic created through the Toxiproxy API (error, 25 %,
// status 503) on a proxy seeded with 7 by path fails the same requests on
// two runs of flags2 -e -m 100, and flags2's error tally is the proxy's
// count.
func TestChaosToxicThroughAPI(t *testing.T) {
	t.Parallel()
	backend := httptest.NewServer(site.New(site.Config{}))
	t.Cleanup(backend.Close)
	var failed [][]string
	for range 2 {
		srv := api.New(api.Options{})
		ts := httptest.NewServer(srv.Handler())
		apiCall(t, "POST", ts.URL+"/proxies", `{"name": "flags", "listen": "127.0.0.1:0", "upstream": "`+
			strings.TrimPrefix(backend.URL, "http://")+`", "seed": 7, "seed_by": "path"}`)
		apiCall(t, "POST", ts.URL+"/proxies/flags/toxics", `{"type": "error", "toxicity": 0.25, "attributes": {"status": 503}}`)
		p, _ := srv.Get("flags")
		code, rep, stderr := clienttest.RunJSON(t, context.Background(), family.Run, "-e", "-m", "100", "-s", "http://"+p.Addr().String()+"/flags", "--dest", t.TempDir())
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		var codes []string
		for _, r := range rep.Results {
			if r.Status == "error" {
				codes = append(codes, r.CC)
				if r.HTTPStatus != 503 {
					t.Errorf("%s failed with HTTP %d; want 503", r.CC, r.HTTPStatus)
				}
			}
		}
		st := p.Stats()
		if int64(rep.Errors) != st.Faults["error_downstream"] || st.Requests != 676 {
			t.Errorf("flags2 counted %d errors; the proxy injected %d in %d requests", rep.Errors, st.Faults["error_downstream"], st.Requests)
		}
		failed = append(failed, codes)
		ts.Close()
		srv.Close()
	}
	if n := len(failed[0]); n < 676/4-50 || n > 676/4+50 || !slices.Equal(failed[0], failed[1]) {
		t.Errorf("runs failed %d and %d codes (want about 169, the same ones): %v vs %v", len(failed[0]), len(failed[1]), failed[0], failed[1])
	}
}
