package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"flagsuite/common/command"
	"flagsuite/common/countries"
	"flagsuite/common/fetch"
	"flagsuite/common/report"
	"flagsuite/testserver/clienttest"
	"flagsuite/testserver/dataset"
	"flagsuite/testserver/site"
)

// checkRun verifies a finished run against the data served: see
// clienttest.CheckRun; flags2 saves <CC>.gif.
func checkRun(t *testing.T, rep report.JSON, dest string, data fs.FS) {
	t.Helper()
	clienttest.CheckRun(t, rep, dest, data, func(r report.JSONResult) string { return r.CC + ".gif" })
}

// errorSite is the book's ERROR server without its half-second wait, so
// that a sequential run of 676 codes stays quick.
func errorSite(seed int64) *site.Site {
	return site.New(site.Config{Mode: site.Error, ErrorDelay: -1, Seed: seed, Seeded: true})
}

func TestErrorServerTally(t *testing.T) {
	t.Parallel()
	for _, strategy := range clienttest.Strategies() {
		t.Run(strategy, func(t *testing.T) {
			s := errorSite(42)
			dest := t.TempDir()
			code, rep, stderr := clienttest.RunJSON(t, context.Background(), family.Run, "-e", "-m", "100",
				"--strategy", strategy, "-s", clienttest.Serve(t, s), "--dest", dest)
			if code != command.ExitOK {
				t.Fatalf("exit code %d; want 0\n%s", code, stderr)
			}
			if rep.Requested != 676 {
				t.Fatalf("requested %d; want 676", rep.Requested)
			}
			checkRun(t, rep, dest, dataset.Embedded())
			clienttest.CheckTally(t, rep, countries.Every()...)
			if got := s.Stats().InjectedErrors; int64(rep.Errors) != got {
				t.Errorf("errors reported = %d; server injected %d", rep.Errors, got)
			}
			if rep.Errors == 0 || rep.NotFound != 676-194-countErrorsAmong(rep, false) {
				t.Errorf("errors %d, not found %d: want some errors, and every unknown code not found unless it failed",
					rep.Errors, rep.NotFound)
			}
		})
	}
}

// countErrorsAmong counts error results among known (true) or unknown codes.
func countErrorsAmong(rep report.JSON, known bool) int {
	n := 0
	for _, r := range rep.Results {
		if r.Status == "error" && countryKnown(r.CC) == known {
			n++
		}
	}
	return n
}

func countryKnown(cc string) bool {
	_, err := fs.Stat(dataset.Embedded(), strings.ToLower(cc))
	return err == nil
}

func TestRealDataSet(t *testing.T) {
	t.Parallel()
	data := clienttest.RealData(t)
	for _, strategy := range clienttest.Strategies() {
		t.Run(strategy, func(t *testing.T) {
			s := site.New(site.Config{Mode: site.Error, ErrorDelay: -1, Seed: 7, Seeded: true, Data: data})
			dest := t.TempDir()
			code, rep, stderr := clienttest.RunJSON(t, context.Background(), family.Run, "-e", "-m", "50",
				"--strategy", strategy, "-s", clienttest.Serve(t, s), "--dest", dest)
			if code != command.ExitOK {
				t.Fatalf("exit code %d; want 0\n%s", code, stderr)
			}
			checkRun(t, rep, dest, data)
			if got := s.Stats().InjectedErrors; int64(rep.Errors) != got {
				t.Errorf("errors reported = %d; server injected %d", rep.Errors, got)
			}
		})
	}
}

func TestRetriesBringErrorsBelowOnePercent(t *testing.T) {
	t.Parallel()
	f := family
	f.Tune = func(c *fetch.Config) { // the backoff's shape, at a test's pace
		c.BackoffBase, c.BackoffCap = time.Millisecond, 10*time.Millisecond
	}
	s := errorSite(3)
	dest := t.TempDir()
	// Sequential, so the server's seeded sequence meets the requests in one
	// order and the outcome is the same on every run.
	code, rep, stderr := clienttest.RunJSON(t, context.Background(), f.Run, "-e", "--strategy", "sequential",
		"--retries", "3", "-s", clienttest.Serve(t, s), "--dest", dest)
	if code != command.ExitOK {
		t.Fatalf("exit code %d; want 0\n%s", code, stderr)
	}
	checkRun(t, rep, dest, dataset.Embedded())
	if rep.Errors*100 >= rep.Requested {
		t.Errorf("%d errors in %d codes with --retries 3; want below 1%%", rep.Errors, rep.Requested)
	}
	// Every injected error is retried, except the fourth of a code that failed.
	if injected := int(s.Stats().InjectedErrors); rep.Retries != injected-rep.Errors {
		t.Errorf("retries = %d; want injected %d - errors %d", rep.Retries, injected, rep.Errors)
	}
	for _, r := range rep.Results {
		if r.Attempts < 1 || r.Attempts > 4 {
			t.Errorf("%s: %d attempts; want 1 to 4", r.CC, r.Attempts)
		}
	}
}

// hostile serves "br" and "cn" wrongly in four ways and "ad" correctly.
func hostile(t *testing.T) http.Handler {
	good, err := fs.ReadFile(dataset.Embedded(), "ad/ad.gif")
	if err != nil {
		t.Fatal(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/truncate/br/br.gif": // promise more than is sent
			w.Header().Set("Content-Length", fmt.Sprint(len(good)))
			w.Write(good[:len(good)/2])
			panic(http.ErrAbortHandler)
		case "/reset/br/br.gif":
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				panic(err)
			}
			conn.(*net.TCPConn).SetLinger(0) // close with RST
			conn.Close()
		case "/hang/br/br.gif":
			<-r.Context().Done()
		case "/garbage/br/br.gif":
			w.Header().Set("Content-Type", "image/gif")
			w.Write([]byte("<html>Service temporarily unavailable</html>"))
		default:
			w.Write(good)
		}
	})
}

func TestHostileServers(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(hostile(t))
	defer srv.Close()
	for _, kind := range []string{"truncate", "reset", "hang", "garbage"} {
		for _, strategy := range clienttest.Strategies() {
			t.Run(kind+"/"+strategy, func(t *testing.T) {
				dest := t.TempDir()
				code, rep, stderr := clienttest.RunJSON(t, context.Background(), family.Run, "AD", "BR",
					"--strategy", strategy, "--timeout", "300ms", "-s", srv.URL+"/"+kind, "--dest", dest)
				if code != command.ExitOK {
					t.Fatalf("exit code %d; want 0\n%s", code, stderr)
				}
				if rep.OK != 1 || rep.Errors != 1 || rep.Results[1].Status != "error" {
					t.Fatalf("ok %d, errors %d, results %+v; want AD ok and BR an error", rep.OK, rep.Errors, rep.Results)
				}
				t.Logf("BR: %s", rep.Results[1].Error)
				entries, _ := os.ReadDir(dest)
				if len(entries) != 1 || entries[0].Name() != "AD.gif" {
					t.Errorf("dest holds %v; want only AD.gif", entries)
				}
			})
		}
	}
}

func TestErrorDescriptions(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(hostile(t))
	defer srv.Close()
	tests := []struct{ kind, want string }{
		{"truncate", "truncated"},
		{"reset", "reset"},
		{"hang", "timeout after 300ms"},
		{"garbage", "not a GIF image"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		family.Run(context.Background(), []string{"BR", "-v", "--no-embed", "--timeout", "300ms",
			"-s", srv.URL + "/" + tt.kind, "--dest", t.TempDir()}, &stdout, &stderr)
		if !strings.Contains(stdout.String(), "BR error: ") || !strings.Contains(stdout.String(), tt.want) {
			t.Errorf("%s: verbose output lacks %q:\n%s", tt.kind, tt.want, stdout.String())
		}
	}
}

func TestTextReportAndVerboseLines(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(site.New(site.Config{}))
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	base := srv.URL + "/flags"
	code := family.Run(context.Background(), []string{"-v", "--no-embed", "-s", base, "--dest", t.TempDir(),
		"BR", "XZ", "AD"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit code %d\n%s", code, stderr.String())
	}
	out := stdout.String()
	wantStart := "URL site: " + base + "\nSearching for 3 flags: AD, BR, XZ\n3 concurrent connections will be used.\n"
	if !strings.HasPrefix(out, wantStart) {
		t.Errorf("report starts\n%s\nwant\n%s", out, wantStart)
	}
	for _, want := range []string{"\nAD OK\n", "\nBR OK\n", "\nXZ not found: " + base + "/xz/xz.gif\n",
		"--------------------\n  2 flags downloaded.\n  1 not found.\nElapsed time: ", " reused.\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

// TestNoAnimationWhenNotATerminal runs with stderr in a buffer, as in CI logs.
func TestNoAnimationWhenNotATerminal(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(site.New(site.Config{}))
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	if code := family.Run(context.Background(), []string{"-e", "--no-embed", "-s", srv.URL + "/flags",
		"--dest", t.TempDir()}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit code %d\n%s", code, stderr.String())
	}
	if strings.ContainsRune(stderr.String(), '\r') || strings.ContainsRune(stdout.String(), '\r') {
		t.Errorf("carriage returns in output: stderr %q", stderr.String())
	}
	if n := strings.Count(stderr.String(), "\n"); n > 1 {
		t.Errorf("stderr has %d lines; want at most one:\n%s", n, stderr.String())
	}
}

// TestInterrupt cancels a run against DELAY once requests are in flight, as
// the first Ctrl-C does: exit 130, a partial report, no temporary files.
func TestInterrupt(t *testing.T) {
	t.Parallel()
	for _, strategy := range clienttest.Strategies() {
		t.Run(strategy, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			delay := site.New(site.Config{Mode: site.Delay, MinDelay: 50 * time.Millisecond, MaxDelay: 50 * time.Millisecond})
			var seen atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if seen.Add(1) == 12 {
					cancel() // Ctrl-C while this request and others are under way
				}
				delay.ServeHTTP(w, r)
			}))
			defer srv.Close()
			dest := t.TempDir()
			var stdout, stderr bytes.Buffer
			code := family.Run(ctx, []string{"-a", "-m", "5", "--strategy", strategy, "--no-embed",
				"-s", srv.URL + "/flags", "--dest", dest}, &stdout, &stderr)
			if code != command.ExitInterrupted {
				t.Fatalf("exit code %d; want 130\n%s", code, stderr.String())
			}
			out := stdout.String()
			if !strings.Contains(out, "flags downloaded.") || !strings.Contains(out, "interrupted: ") {
				t.Errorf("no partial report:\n%s", out)
			}
			entries, _ := os.ReadDir(dest)
			for _, e := range entries {
				if !strings.HasSuffix(e.Name(), ".gif") || strings.HasPrefix(e.Name(), ".") {
					t.Errorf("left behind: %s", e.Name())
				}
			}
			var downloaded, cancelled, notStarted int
			fmt.Sscanf(out[strings.Index(out, "----\n")+5:], "%d flags downloaded.", &downloaded)
			fmt.Sscanf(out[strings.Index(out, "interrupted: ")+13:], "%d cancelled in flight, %d not started.", &cancelled, &notStarted)
			if downloaded != len(entries) || downloaded+cancelled+notStarted != 194 || cancelled+notStarted == 0 {
				t.Errorf("downloaded %d, cancelled %d, not started %d, files %d; want files = downloaded and a sum of 194",
					downloaded, cancelled, notStarted, len(entries))
			}
		})
	}
}

func TestUnwritableDest(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { requests.Add(1) }))
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	code := family.Run(context.Background(), []string{"--no-embed", "-s", srv.URL, "--dest", filepath.Join(file, "sub")},
		&stdout, &stderr)
	if code != command.ExitFatal || strings.Count(stderr.String(), "\n") != 1 || requests.Load() != 0 {
		t.Errorf("exit %d, stderr %q, %d requests; want 1, one line, no request", code, stderr.String(), requests.Load())
	}
}

func TestFailFlag(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(site.New(site.Config{Mode: site.Error, ErrorRate: 1, ErrorDelay: -1}))
	defer srv.Close()
	for _, tt := range []struct {
		args []string
		want int
	}{{nil, command.ExitOK}, {[]string{"--fail"}, command.ExitFatal}} {
		args := append([]string{"BR", "--no-embed", "-s", srv.URL + "/flags", "--dest", t.TempDir()}, tt.args...)
		if code := family.Run(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{}); code != tt.want {
			t.Errorf("flags2 %q = exit %d; want %d", args, code, tt.want)
		}
	}
}

func TestUsageError(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	code := family.Run(context.Background(), []string{"-m", "0"}, &stdout, &stderr)
	want := "*** Usage error: --max_req CONCURRENT must be >= 1\n" + family.Command.Usage() + "\n"
	if code != command.ExitUsage || stderr.String() != want || stdout.Len() != 0 {
		t.Errorf("exit %d, stderr %q; want 2, %q", code, stderr.String(), want)
	}
}

// TestUnreachableServer: every code is an error, the run still finishes with
// its report, and one line on stderr says what went wrong for all of them.
func TestUnreachableServer(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(nil)
	base := srv.URL + "/flags"
	srv.Close() // nothing listens there now
	var stdout, stderr bytes.Buffer
	code := family.Run(context.Background(), []string{"-l", "5", "-s", base, "--dest", t.TempDir()}, &stdout, &stderr)
	if code != command.ExitOK || !strings.Contains(stdout.String(), "  5 errors.") {
		t.Errorf("exit %d, report:\n%s\nwant 0 and 5 errors", code, stdout.String())
	}
	if want := `every request failed with "connection refused": is ` + base + " up?"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr = %q; want it to contain %q", stderr.String(), want)
	}
}
