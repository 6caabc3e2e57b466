package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"flagsuite/common/countries"
	"flagsuite/common/flagdata"
)

// The benchmarks of this file compare flags2 with a reference in the same
// run, in interleaved rounds so that machine noise falls on both alike, and
// report the ratio of their median times (flags2 ÷ reference: below 1 is
// flags2 faster):
//
//	go test -run '^$' -bench 'VsCurl|VsRawSocket' -benchtime 8x ./flags2

// BenchmarkVsCurl times flags2 -e -m 100 against LOCAL (the testserver
// command in its own process) as a child process, next to curl fetching the
// same 676 URLs with --parallel --parallel-max 100: both to a folder on disk
// (curl writing the 194 flags it finds), and flags2 to tmpfs next to curl to
// /dev/null. Skipped when curl is not installed.
//
// flags2 makes its files durable with one syncfs before its report; curl
// leaves its own to the kernel. So that flags2's sync does not also pay for
// curl's dirty pages (or the other way round), every timed command starts
// after an untimed sync(2): each run flushes only what it wrote itself, and
// a tmpfs run never shares the disk with the writeback of a disk run.
func BenchmarkVsCurl(b *testing.B) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		b.Skip("curl is not installed")
	}
	bin := build(b, ".", "flags2")
	base := startTestserver(b, "--only", "LOCAL", "--local-port", "0")
	codes := countries.Every()
	for _, tt := range []struct {
		name, root string // root: where the runs save; "" is /dev/null for curl
	}{{"disk", b.TempDir()}, {"tmpfs", "/dev/shm"}} {
		b.Run(tt.name, func(b *testing.B) {
			if _, err := os.Stat(tt.root); err != nil {
				b.Skipf("no %s: %v", tt.root, err)
			}
			var mine, theirs []time.Duration
			for round := 0; b.Loop(); round++ {
				dest := tempDir(b, tt.root)
				cfg := curlConfig(b, base, codes, dest, tt.name == "tmpfs")
				runMine := func() {
					flushDirty()
					mine = append(mine, timed(b, bin, "-e", "-m", "100", "-s", base, "--no-embed", "--json", "--dest", dest))
				}
				runTheirs := func() {
					flushDirty()
					theirs = append(theirs, timed(b, curl, "--parallel", "--parallel-max", "100", "--fail", "--silent", "-K", cfg))
				}
				if round%2 == 0 { // take turns at going first
					runMine()
					runTheirs()
				} else {
					runTheirs()
					runMine()
				}
				if tt.name == "disk" {
					if n := countFiles(b, dest); n != 2*194 { // flags2's 194 and curl's 194
						b.Fatalf("%d files in %s; want 388", n, dest)
					}
				}
			}
			reportRatio(b, "curl", mine, theirs)
		})
	}
}

// BenchmarkVsRawSocket runs flags2 -e in-process against DELAY with a fixed
// 0.2 s wait (the testserver command in its own process) at -m 10, 100 and
// 1000, next to rawClient: the least a client can do over TCP for the same
// requests. The ratio says how much of the time flags2 adds. flags2 saves to
// tmpfs (/dev/shm where there is one), since the raw client saves nothing:
// the disk's share is BenchmarkVsCurl's subject.
func BenchmarkVsRawSocket(b *testing.B) {
	const d = 200 * time.Millisecond
	base := startTestserver(b, "--only", "DELAY", "--delay-port", "0", "--min-delay", d.String(), "--max-delay", d.String())
	codes := countries.Every()
	for _, m := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("m=%d", m), func(b *testing.B) {
			var mine, theirs []time.Duration
			for round := 0; b.Loop(); round++ {
				runMine := func() {
					rep := benchRun(b, "-e", "-m", strconv.Itoa(m), "-s", base, "--dest", tempDir(b, memDir))
					mine = append(mine, time.Duration(rep.ElapsedS*float64(time.Second)))
				}
				runTheirs := func() {
					start := time.Now()
					if found := rawClient(b, base, codes, m); found != 194 {
						b.Fatalf("raw client found %d flags; want 194", found)
					}
					theirs = append(theirs, time.Since(start))
				}
				if round%2 == 0 {
					runMine()
					runTheirs()
				} else {
					runTheirs()
					runMine()
				}
			}
			rounds := math.Ceil(float64(len(codes)) / float64(m))
			b.ReportMetric(rounds*d.Seconds()/median(mine).Seconds(), "efficiency")
			reportRatio(b, "raw", mine, theirs)
		})
	}
}

// rawClient fetches {base}/{cc}/{cc}.gif for every code with m workers, each
// on one keep-alive TCP connection of its own, writing the request by hand
// and reading the answer's head and Content-Length body: no HTTP library,
// no files. It returns how many answers were 200.
func rawClient(b *testing.B, base string, codes []string, m int) int {
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	jobs := make(chan string)
	var (
		mu    sync.Mutex // guards found and first
		found int
		first error
	)
	var wg sync.WaitGroup
	for range min(m, len(codes)) {
		wg.Go(func() {
			conn, err := net.Dial("tcp", u.Host)
			if err != nil {
				mu.Lock()
				first = cmp(first, err)
				mu.Unlock()
				for range jobs {
				}
				return
			}
			defer conn.Close()
			r := bufio.NewReaderSize(conn, 32<<10)
			for cc := range jobs {
				path := strings.TrimPrefix(flagdata.ImageURL(base, cc), "http://"+u.Host)
				status, err := rawGet(conn, r, u.Host, path)
				mu.Lock()
				first = cmp(first, err)
				if status == 200 {
					found++
				}
				mu.Unlock()
			}
		})
	}
	for _, cc := range codes {
		jobs <- cc
	}
	close(jobs)
	wg.Wait()
	if first != nil {
		b.Fatal(first)
	}
	return found
}

func cmp(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// rawGet sends one GET on conn and reads its answer from r: the status, the
// head up to the blank line, then Content-Length bytes of body.
func rawGet(conn net.Conn, r *bufio.Reader, host, path string) (status int, err error) {
	if _, err := io.WriteString(conn, "GET "+path+" HTTP/1.1\r\nHost: "+host+"\r\n\r\n"); err != nil {
		return 0, err
	}
	length := -1
	for i := 0; ; i++ {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		s := strings.TrimRight(string(line), "\r\n")
		if s == "" {
			break
		}
		if i == 0 {
			if _, code, ok := strings.Cut(s, " "); ok && len(code) >= 3 {
				status, _ = strconv.Atoi(code[:3])
			}
			continue
		}
		if k, v, ok := strings.Cut(s, ":"); ok && strings.EqualFold(k, "Content-Length") {
			length, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	if length < 0 {
		return status, fmt.Errorf("GET %s: no Content-Length", path)
	}
	_, err = r.Discard(length)
	return status, err
}

// timed runs a command and returns its wall time. A non-zero exit is not a
// failure for curl: --fail makes it exit 22 on the 482 codes that are 404.
func timed(b *testing.B, name string, args ...string) time.Duration {
	b.Helper()
	cmd := exec.Command(name, args...)
	cmd.Stdout = io.Discard
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	if _, ok := err.(*exec.ExitError); err != nil && (!ok || !strings.HasSuffix(name, "curl")) {
		b.Fatalf("%s: %v\n%s", name, err, stderr.String())
	}
	return elapsed
}

// curlConfig writes a curl config file with one url and output per code: a
// file named like flags2's, with a curl- prefix, in dest, or /dev/null.
func curlConfig(b *testing.B, base string, codes []string, dest string, devNull bool) string {
	b.Helper()
	var sb strings.Builder
	for _, cc := range codes {
		out := filepath.Join(dest, "curl-"+cc+".gif")
		if devNull {
			out = "/dev/null"
		}
		fmt.Fprintf(&sb, "url = %q\noutput = %q\n", flagdata.ImageURL(base, cc), out)
	}
	path := filepath.Join(b.TempDir(), "curl.cfg")
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// memDir is where benchmarks save when the disk is not what they measure.
var memDir = func() string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		return "/dev/shm"
	}
	return os.TempDir()
}()

func tempDir(b *testing.B, root string) string {
	b.Helper()
	dir, err := os.MkdirTemp(root, "flags2-bench-*")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func countFiles(b *testing.B, dir string) int {
	b.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	return len(entries)
}

// reportRatio reports both medians and flags2's median ÷ the reference's.
func reportRatio(b *testing.B, ref string, mine, theirs []time.Duration) {
	b.ReportMetric(median(mine).Seconds()*1000, "flags2-ms")
	b.ReportMetric(median(theirs).Seconds()*1000, ref+"-ms")
	b.ReportMetric(median(mine).Seconds()/median(theirs).Seconds(), "flags2/"+ref)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
