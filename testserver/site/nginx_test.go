package site

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"flagsuite/testserver/dataset"
)

var (
	nginxRounds   = flag.Int("nginx.rounds", 15, "BenchmarkNginx: rounds of one wrk run on each server")
	nginxDuration = flag.Duration("nginx.duration", time.Second, "BenchmarkNginx: length of each wrk run")
)

// BenchmarkNginx measures a Server against nginx serving the same 12 KB GIF,
// as the user who starts nginx instead would: wrk -t2 -c100 against each,
// nginx with 2 workers and sendfile, no access log on either side. The two
// take turns, in alternating order, so noise from a shared machine falls on
// both; it reports the median req/s of each and their ratio. It is skipped
// when nginx or wrk is not installed.
//
//	go test -run '^$' -bench Nginx ./testserver/site
func BenchmarkNginx(b *testing.B) {
	nginx := lookPath(b, "nginx", "/usr/sbin/nginx")
	wrk := lookPath(b, "wrk", "/usr/bin/wrk")

	// The embedded GIF nearest 12 KB, in an nginx root laid out like ours.
	data := dataset.Embedded()
	codes, _ := dataset.Codes(data)
	var cc string
	var gif []byte
	for _, c := range codes {
		g, _ := fs.ReadFile(data, c+"/"+c+".gif")
		if gif == nil || abs(len(g)-12<<10) < abs(len(gif)-12<<10) {
			cc, gif = c, g
		}
	}
	target := "/flags/" + cc + "/" + cc + ".gif"
	dir := b.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "root", "flags", cc), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "root", filepath.FromSlash(target)), gif, 0o644); err != nil {
		b.Fatal(err)
	}
	nginxAddr := startNginx(b, nginx, dir)
	ourAddr := serveConns(b, New(Config{}), nil)

	run := func(addr string, d time.Duration) float64 {
		out, err := exec.Command(wrk, "-t2", "-c100", "-d"+d.String(), "http://"+addr+target).CombinedOutput()
		if err != nil {
			b.Fatalf("wrk: %v\n%s", err, out)
		}
		m := regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`).FindSubmatch(out)
		if m == nil || bytes.Contains(out, []byte("Non-2xx")) || bytes.Contains(out, []byte("Socket errors")) {
			b.Fatalf("wrk against %s did not succeed cleanly:\n%s", addr, out)
		}
		rate, _ := strconv.ParseFloat(string(m[1]), 64)
		return rate
	}
	run(nginxAddr, time.Second) // warm both up: connections, caches, the embedded set
	run(ourAddr, time.Second)

	var ours, theirs, ratios []float64
	for i := range *nginxRounds {
		var o, n float64
		if i%2 == 0 {
			o, n = run(ourAddr, *nginxDuration), run(nginxAddr, *nginxDuration)
		} else {
			n, o = run(nginxAddr, *nginxDuration), run(ourAddr, *nginxDuration)
		}
		ours, theirs, ratios = append(ours, o), append(theirs, n), append(ratios, o/n)
		b.Logf("round %d: testserver %.0f req/s, nginx %.0f req/s, ratio %.2f", i+1, o, n, o/n)
	}
	b.ReportMetric(median(ours), "testserver-req/s")
	b.ReportMetric(median(theirs), "nginx-req/s")
	b.ReportMetric(median(ours)/median(theirs), "ratio")
	b.ReportMetric(median(ratios), "median-round-ratio")
	b.ReportMetric(0, "ns/op") // one op is the whole comparison: its time says nothing
}

// lookPath finds a program, or skips the benchmark without it.
func lookPath(b *testing.B, name, usual string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if _, err := os.Stat(usual); err == nil {
		return usual
	}
	b.Skipf("%s is not installed; skipping the comparison", name)
	return ""
}

// startNginx runs nginx in the foreground with 2 workers and sendfile,
// serving dir/root on a free loopback port, until the benchmark ends.
func startNginx(b *testing.B, nginx, dir string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nginx takes the port; another process could in between, and then nginx says so
	user := "" // as root, nginx's workers would be nobody, who cannot read a test's temporary folder
	if os.Getuid() == 0 {
		user = "user root;"
	}
	conf := fmt.Sprintf(`%[3]s
worker_processes 2;
daemon off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	types { image/gif gif; }
	client_body_temp_path %[1]s/tmp; proxy_temp_path %[1]s/tmp; fastcgi_temp_path %[1]s/tmp;
	uwsgi_temp_path %[1]s/tmp; scgi_temp_path %[1]s/tmp;
	server { listen %[2]s; root %[1]s/root; }
}
`, dir, addr, user)
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(nginx, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	b.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGQUIT) // the master stops its workers
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	ctx, cancel := context.WithTimeout(b.Context(), 10*time.Second)
	defer cancel()
	for {
		c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		if err == nil {
			c.Close()
			return addr
		}
		select {
		case err := <-exited:
			exited <- err // for the clean-up
			b.Fatalf("nginx exited: %v\n%s", err, stderr.Bytes())
		case <-ctx.Done():
			b.Fatalf("nginx did not listen on %s within 10s\n%s", addr, stderr.Bytes())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func abs(n int) int { return max(n, -n) }
