package main

import (
	"bytes"
	"context"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"flagsuite/common/countries"
	"flagsuite/common/fetch"
	"flagsuite/common/strategy"
	"flagsuite/testserver/clienttest"
	"flagsuite/testserver/dataset"
	"flagsuite/testserver/site"
)

func TestEachStrategyDownloadsTheTwenty(t *testing.T) {
	t.Parallel()
	base := clienttest.Serve(t, site.New(site.Config{}))
	want := slices.Sorted(slices.Values(countries.Default))
	for _, strategy := range clienttest.Strategies() {
		t.Run(strategy, func(t *testing.T) {
			dest := t.TempDir()
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"--strategy", strategy, "-s", base, "--dest", dest, "--no-embed"},
				&stdout, &stderr)
			if code != 0 {
				t.Fatalf("exit code %d; want 0\n%s", code, stderr.String())
			}
			out := stdout.String()
			if !regexp.MustCompile(`\A([A-Z]{2} ){20}\n20 downloads in \d+\.\d\ds\n\z`).MatchString(out) {
				t.Errorf("output = %q; want 20 codes on a line, then \"20 downloads in N.NNs\"", out)
			}
			printed := strings.Fields(strings.SplitN(out, "\n", 2)[0])
			if strategy == "sequential" && !slices.Equal(printed, want) {
				t.Errorf("sequential printed %v; want code order %v", printed, want)
			}
			slices.Sort(printed)
			if !slices.Equal(printed, want) {
				t.Errorf("printed %v; want %v", printed, want)
			}
			for _, cc := range want {
				got, err := os.ReadFile(filepath.Join(dest, cc+".gif"))
				lc := strings.ToLower(cc)
				served, _ := fs.ReadFile(dataset.Embedded(), lc+"/"+lc+".gif")
				if err != nil || !bytes.Equal(got, served) {
					t.Errorf("%s.gif: %d bytes on disk, %d served (%v)", cc, len(got), len(served), err)
				}
			}
			entries, _ := os.ReadDir(dest)
			if len(entries) != 20 {
				t.Errorf("dest holds %d entries; want the 20 flags and nothing else", len(entries))
			}
		})
	}
}

// TestSemaphoreBound checks, on the server side, that no more than -m
// requests are ever in flight; each request takes 20 ms so they overlap.
func TestSemaphoreBound(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		strategy string
		m        int
	}{{"loop", 1}, {"loop", 3}, {"pool", 4}, {"sequential", 1}} {
		s := site.New(site.Config{Mode: site.Delay, MinDelay: 20 * time.Millisecond, MaxDelay: 20 * time.Millisecond})
		var stderr bytes.Buffer
		code := run(context.Background(), []string{"--strategy", tt.strategy, "-m", strconv.Itoa(tt.m), "-s", clienttest.Serve(t, s),
			"--dest", t.TempDir(), "--no-embed"}, &bytes.Buffer{}, &stderr)
		if code != 0 {
			t.Fatalf("%s -m %d: exit code %d\n%s", tt.strategy, tt.m, code, stderr.String())
		}
		st := s.Stats()
		if st.MaxInFlight > int64(tt.m) || st.Requests != 20 {
			t.Errorf("%s -m %d: %d requests, at most %d in flight; want 20, at most %d",
				tt.strategy, tt.m, st.Requests, st.MaxInFlight, tt.m)
		}
	}
}

// stallServer answers 418 at once for the code fail, and holds every other
// request until the client gives up on it; it counts the requests that
// arrive. Nothing but the client's cancelling can end a held request, so a
// run that does not cancel on its first error (or on Ctrl-C) never returns.
func stallServer(t *testing.T, fail string) (base string, arrived <-chan string) {
	t.Helper()
	ch := make(chan string, 100)
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cc := strings.ToUpper(strings.Split(strings.TrimPrefix(r.URL.Path, "/flags/"), "/")[0])
		ch <- cc
		if cc == fail {
			http.Error(w, "I'm a teapot", http.StatusTeapot)
			return
		}
		select {
		case <-r.Context().Done():
		case <-stop: // the test is over (and has failed): let the server close
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) })
	return srv.URL + "/flags", ch
}

// runBounded runs flags in a goroutine and fails the test if it has not
// returned after a minute: the runs here end in well under a second when
// they cancel as they should, and never when they do not.
func runBounded(t *testing.T, ctx context.Context, args ...string) (code int, stderr string) {
	t.Helper()
	done := make(chan int, 1)
	var errBuf bytes.Buffer
	go func() { done <- run(ctx, args, &bytes.Buffer{}, &errBuf) }()
	select {
	case code = <-done:
		return code, errBuf.String()
	case <-time.After(time.Minute):
		t.Fatalf("flags %q did not stop: requests in flight were not cancelled", args)
		return 0, ""
	}
}

// TestFirstErrorStops: the first error cancels the requests still in
// flight. BD, the first of the twenty, fails while the others hang until
// cancelled.
func TestFirstErrorStops(t *testing.T) {
	t.Parallel()
	for _, s := range []strategy.Name{strategy.Pool, strategy.Loop} {
		t.Run(string(s), func(t *testing.T) {
			t.Parallel()
			base, _ := stallServer(t, "BD")
			dest := t.TempDir()
			code, stderr := runBounded(t, context.Background(), "--strategy", string(s), "-m", "20",
				"-s", base, "--dest", dest, "--no-embed", "--timeout", "1h")
			if code != 1 {
				t.Errorf("exit code %d; want 1", code)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "HTTP error 418 - I'm a teapot") {
				t.Errorf("stderr = %q; want one line with the HTTP error", stderr)
			}
			if entries, _ := os.ReadDir(dest); len(entries) != 0 {
				t.Errorf("dest holds %d entries; want none", len(entries))
			}
		})
	}
}

// TestInterruptStops: Ctrl-C (the run's context cancelled) while a request
// hangs stops every strategy with exit 130, and no request starts after it.
func TestInterruptStops(t *testing.T) {
	t.Parallel()
	for _, s := range strategy.All {
		t.Run(string(s), func(t *testing.T) {
			t.Parallel()
			base, arrived := stallServer(t, "")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() { <-arrived; cancel() }() // the first request is held: now Ctrl-C
			code, _ := runBounded(t, ctx, "--strategy", string(s), "-m", "4", "-s", base,
				"--dest", t.TempDir(), "--no-embed", "--timeout", "1h")
			if code != 130 {
				t.Errorf("exit code %d; want 130", code)
			}
			if s == strategy.Sequential && len(arrived) != 0 {
				t.Errorf("%d requests arrived after the interrupt; want none", len(arrived))
			}
		})
	}
}

func TestRefusedConnection(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(nil)
	base := srv.URL + "/flags"
	srv.Close() // nothing listens there now
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"-s", base, "--dest", t.TempDir()}, &bytes.Buffer{}, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "connection refused") {
		t.Errorf("exit %d, stderr %q; want 1 and \"connection refused\"", code, stderr.String())
	}
}

func TestUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"BR"}, {"--strategy", "x"}, {"-e"}} {
		var stderr bytes.Buffer
		if code := run(context.Background(), args, &bytes.Buffer{}, &stderr); code != 2 ||
			!strings.HasPrefix(stderr.String(), "*** Usage error: ") {
			t.Errorf("flags %q: exit %d, stderr %q; want 2 and a usage error", args, code, stderr.String())
		}
	}
	var stdout bytes.Buffer
	if code := run(context.Background(), []string{"-h"}, &stdout, &bytes.Buffer{}); code != 0 ||
		!strings.Contains(stdout.String(), "--strategy") {
		t.Errorf("flags -h: exit %d, %q; want 0 and the help", code, stdout.String())
	}
}

// BenchmarkStrategies downloads the 194 codes of the embedded list from an
// in-process LOCAL server with each strategy at its default concurrency.
func BenchmarkStrategies(b *testing.B) {
	base := clienttest.Serve(b, site.New(site.Config{}))
	codes := countries.All()
	for _, s := range strategy.All {
		b.Run(string(s), func(b *testing.B) {
			client := fetch.New(fetch.Config{Concurrency: 30})
			defer client.CloseIdle()
			b.ReportAllocs()
			for b.Loop() {
				d := downloader{client: client, base: base, dest: b.TempDir()}
				n := 0
				err := strategies[s](context.Background(), d, codes, s.DefaultConcurrency(), func(string) { n++ })
				if err != nil || n != len(codes) {
					b.Fatalf("%d saved, %v", n, err)
				}
			}
		})
	}
}
