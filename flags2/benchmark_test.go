package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"flagsuite/common/report"
	"flagsuite/testserver/clienttest"
	"flagsuite/testserver/site"
)

// BenchmarkEveryLocal downloads all 676 codes (194 found) from an in-process
// LOCAL server at -m 100 with each strategy.
func BenchmarkEveryLocal(b *testing.B) {
	base := clienttest.Serve(b, site.New(site.Config{}))
	for _, strategy := range clienttest.Strategies() {
		b.Run(strategy, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				benchRun(b, "-e", "-m", "100", "--strategy", strategy, "-s", base)
			}
		})
	}
}

// BenchmarkDelayEfficiency runs -e against DELAY with a fixed 0.2 s delay and
// reports the efficiency ⌈N/m⌉·d ÷ elapsed: 1 means the client added
// nothing to the waiting the server imposes. The server is the testserver
// command in its own process, as a user runs it, so that the two do not
// share one scheduler.
func BenchmarkDelayEfficiency(b *testing.B) {
	const d = 200 * time.Millisecond
	base := startTestserver(b, "--only", "DELAY", "--delay-port", "0", "--min-delay", d.String(), "--max-delay", d.String())
	for _, strategy := range []string{"loop", "pool"} {
		for _, m := range []int{10, 100, 1000} {
			b.Run(fmt.Sprintf("%s/m=%d", strategy, m), func(b *testing.B) {
				var eff float64
				for b.Loop() {
					rep := benchRun(b, "-e", "-m", fmt.Sprint(m), "--strategy", strategy, "-s", base)
					rounds := math.Ceil(float64(rep.Requested) / float64(rep.Concurrency))
					eff = rounds * d.Seconds() / rep.ElapsedS
				}
				b.ReportMetric(eff, "efficiency")
			})
		}
	}
}

func benchRun(b *testing.B, args ...string) report.JSON {
	b.Helper()
	var stdout, stderr bytes.Buffer
	args = append(args, "--json", "--no-embed")
	if !slices.Contains(args, "--dest") {
		args = append(args, "--dest", b.TempDir())
	}
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		b.Fatalf("flags2 %q: exit %d\n%s", args, code, stderr.String())
	}
	var rep report.JSON
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		b.Fatal(err)
	}
	if rep.OK != 194 {
		b.Fatalf("flags2 %q: %d ok; want 194", args, rep.OK)
	}
	return rep
}

// BenchmarkPeakRSS builds flags2 and runs it as a child process, -e -m 1000
// against an in-process DELAY server (0.2 s), and reports the child's peak
// resident memory: the whole client process, runtime included. The child is
// started through flags2's own small launcher (flags2 bench --launch): a
// process started straight from this one would inherit this process's
// larger peak as its own.
func BenchmarkPeakRSS(b *testing.B) {
	bin := build(b, ".", "flags2")
	srv := httptest.NewServer(site.New(site.Config{Mode: site.Delay, MinDelay: 200 * time.Millisecond, MaxDelay: 200 * time.Millisecond}))
	defer srv.Close()
	var rssKB int64
	for b.Loop() {
		r, w, err := os.Pipe()
		if err != nil {
			b.Fatal(err)
		}
		cmd := exec.Command(bin, "bench", "--launch", bin, "-e", "-m", "1000", "-s", srv.URL+"/flags",
			"--no-embed", "--json", "--dest", b.TempDir())
		var stderr bytes.Buffer                             // the child's progress line, shown only if it fails
		cmd.Stderr, cmd.ExtraFiles = &stderr, []*os.File{w} // the launcher reports on fd 3
		err = cmd.Run()
		w.Close()
		var rep struct {
			Exit     int   `json:"exit"`
			MaxRSSKB int64 `json:"max_rss_kb"`
		}
		if derr := json.NewDecoder(r).Decode(&rep); err != nil || derr != nil || rep.Exit != 0 {
			b.Fatalf("launcher: %v, report %+v (%v)\n%s", err, rep, derr, stderr.String())
		}
		r.Close()
		rssKB = max(rssKB, rep.MaxRSSKB)
	}
	b.ReportMetric(float64(rssKB)/1024, "peak-RSS-MB")
}

// build compiles the command in dir and returns the binary's path.
func build(b *testing.B, dir, name string) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), name)
	gobin := clienttest.GoCommand(b)
	if out, err := exec.Command(gobin, "build", "-o", bin, dir).CombinedOutput(); err != nil {
		b.Fatalf("go build %s: %v\n%s", dir, err, out)
	}
	return bin
}

// startTestserver runs the testserver command with args and returns the
// base URL of its ready line; it is stopped when the benchmark ends.
func startTestserver(b *testing.B, args ...string) string {
	b.Helper()
	cmd := exec.Command(build(b, "../testserver", "testserver"), append(args, "--quiet")...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var label, base string
	if _, err := fmt.Fscan(out, &label, &base); err != nil {
		b.Fatalf("testserver ready line: %v", err)
	}
	return base
}
