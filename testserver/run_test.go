package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"flagsuite/testserver/dataset"
)

// realZip is the book's data set, relative to this package's folder.
const realZip = "../../shared/data/flags.zip"

// syncBuffer is a bytes.Buffer the servers' goroutines can log to.
type syncBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var readyLine = regexp.MustCompile(`^(LOCAL|DELAY|ERROR) (http://127\.0\.0\.1:[1-9][0-9]*/flags)$`)

// running is a run of the command in the background.
type running struct {
	t      *testing.T
	labels []string          // in the order the ready lines came
	urls   map[string]string // label → base URL
	stderr *syncBuffer
	cancel context.CancelFunc
	done   chan int // run's exit code
}

// start runs the command with args and waits for the ready lines of the
// servers it names.
func start(t *testing.T, servers int, args ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	r := &running{t: t, urls: map[string]string{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	go func() {
		code := run(ctx, args, pw, r.stderr)
		pw.Close()
		r.done <- code
	}()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	for len(r.labels) < servers {
		line, ok := <-lines
		if !ok {
			t.Fatalf("run(%q) ended after %d ready lines; stderr:\n%s", args, len(r.labels), r.stderr)
		}
		m := readyLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("ready line %q; want LABEL http://127.0.0.1:PORT/flags", line)
		}
		r.labels = append(r.labels, m[1])
		r.urls[m[1]] = m[2]
	}
	t.Cleanup(func() { r.stop() })
	return r
}

// stop cancels the run as Ctrl-C would and returns its exit code.
func (r *running) stop() int {
	r.t.Helper()
	r.cancel()
	select {
	case code := <-r.done:
		r.done <- code // a second stop, from Cleanup, gets it too
		return code
	case <-time.After(10 * time.Second):
		r.t.Fatal("run did not return within 10s of its context being cancelled")
		return -1
	}
}

func get(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

func TestRunServesTheThreeServers(t *testing.T) {
	t.Parallel()
	r := start(t, 3, "--local-port", "0", "--delay-port", "0", "--error-port", "0",
		"--min-delay", "1ms", "--max-delay", "2ms", "--error-rate", "1", "--error-delay", "0", "-q")
	if want := []string{"LOCAL", "DELAY", "ERROR"}; !slices.Equal(r.labels, want) {
		t.Errorf("ready lines for %v; want %v", r.labels, want)
	}
	tests := []struct {
		label  string
		status int
		body   []byte
	}{
		{"LOCAL", 200, dataset.GIF("br")},
		{"DELAY", 200, dataset.GIF("br")},
		{"ERROR", 418, []byte("418 I'm a teapot\n")},
	}
	for _, tt := range tests {
		status, body := get(t, r.urls[tt.label]+"/br/br.gif")
		if status != tt.status || !bytes.Equal(body, tt.body) {
			t.Errorf("%s: GET br.gif = %d, %d bytes; want %d, %d bytes", tt.label, status, len(body), tt.status, len(tt.body))
		}
	}
	if code := r.stop(); code != 0 {
		t.Errorf("exit code %d after cancel; want 0", code)
	}
	if s := r.stderr.String(); s != "" {
		t.Errorf("stderr with --quiet = %q; want nothing", s)
	}
}

func TestRunLogsRequests(t *testing.T) {
	t.Parallel()
	r := start(t, 1, "--only", "local", "--local-port", "0")
	get(t, r.urls["LOCAL"]+"/br/br.gif")
	get(t, r.urls["LOCAL"]+"/zz/zz.gif")
	r.stop()
	log := r.stderr.String()
	for _, want := range []string{
		"testserver: serving 194 codes from the embedded data set\n",
		"server=LOCAL", "path=/flags/br/br.gif status=200", "path=/flags/zz/zz.gif status=404",
		"testserver: stopped\n",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("stderr lacks %q:\n%s", want, log)
		}
	}
	if n := strings.Count(log, "msg=request"); n != 2 {
		t.Errorf("%d request lines; want 2:\n%s", n, log)
	}
}

func TestRunOnly(t *testing.T) {
	t.Parallel()
	ports := []string{"--local-port", "0", "--delay-port", "0", "--error-port", "0", "-q"}
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"--only", "delay"}, []string{"DELAY"}},
		{[]string{"--only", "error,LOCAL"}, []string{"LOCAL", "ERROR"}},
		{[]string{"--only", "Error", "--only", "local,error"}, []string{"LOCAL", "ERROR"}},
	}
	for _, tt := range tests {
		r := start(t, len(tt.want), append(tt.args, ports...)...)
		r.stop()
		if !slices.Equal(r.labels, tt.want) {
			t.Errorf("%q started %v; want %v", tt.args, r.labels, tt.want)
		}
	}
}

func TestRunSeed(t *testing.T) {
	t.Parallel()
	statuses := func(seed string) []int {
		r := start(t, 1, "--only", "error", "--error-port", "0", "--error-delay", "0", "--seed", seed, "-q")
		defer r.stop()
		var got []int
		for range 24 {
			status, _ := get(t, r.urls["ERROR"]+"/br/br.gif")
			got = append(got, status)
		}
		return got
	}
	a, b, c := statuses("5"), statuses("5"), statuses("6")
	if !slices.Equal(a, b) {
		t.Errorf("--seed 5 twice gave %v and %v; want the same", a, b)
	}
	if slices.Equal(a, c) {
		t.Errorf("--seed 5 and --seed 6 both gave %v; want different sequences", a)
	}
	if !slices.Contains(a, 418) || !slices.Contains(a, 200) {
		t.Errorf("--seed 5 gave %v; want some 418s among 200s", a)
	}
}

// TestRunSeedByPath: with --seed-by path, two runs that ask for the codes
// in opposite orders see the same codes fail; with the default (by
// request), the same two runs do not, which is why the option exists.
func TestRunSeedByPath(t *testing.T) {
	t.Parallel()
	codes, err := dataset.Codes(dataset.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	codes = codes[:60]
	failing := func(by string, reverse bool) []string {
		r := start(t, 1, "--only", "error", "--error-port", "0", "--error-delay", "0", "--error-rate", "0.5",
			"--seed", "7", "--seed-by", by, "-q")
		defer r.stop()
		order := slices.Clone(codes)
		if reverse {
			slices.Reverse(order)
		}
		var failed []string
		for _, cc := range order {
			if status, _ := get(t, r.urls["ERROR"]+"/"+cc+"/"+cc+".gif"); status != http.StatusOK {
				failed = append(failed, cc)
			}
		}
		slices.Sort(failed)
		return failed
	}
	a, b := failing("path", false), failing("path", true)
	if !slices.Equal(a, b) {
		t.Errorf("--seed-by path: codes failing in order %v; in reverse order %v; want the same", a, b)
	}
	if len(a) == 0 || len(a) == len(codes) {
		t.Errorf("--seed-by path: %d of %d codes failed; want some, at a rate of 0.5", len(a), len(codes))
	}
	if c, d := failing("request", false), failing("request", true); slices.Equal(c, d) {
		t.Errorf("--seed-by request: the same codes %v failed in both orders; want others (the test cannot tell otherwise)", c)
	}
}

// TestRunZipData serves the book's own data set straight from its zip and
// checks every file against the archive.
func TestRunZipData(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(realZip); err != nil {
		t.Skipf("real data set not present (%v); skipping", err)
	}
	z, err := zip.OpenReader(realZip)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	r := start(t, 1, "--only", "local", "--local-port", "0", "--data", realZip, "-q")
	codes, _ := dataset.Codes(mustSub(t, z, "flags"))
	if len(codes) != 194 {
		t.Fatalf("the zip has %d codes; want 194", len(codes))
	}
	for _, cc := range codes {
		for _, name := range []string{cc + "/" + cc + ".gif", cc + "/metadata.json"} {
			want, _ := fs.ReadFile(z, "flags/"+name)
			status, got := get(t, r.urls["LOCAL"]+"/"+name)
			if status != 200 || !bytes.Equal(got, want) {
				t.Errorf("GET %s = %d, %d bytes; want 200 and the zip's %d bytes", name, status, len(got), len(want))
			}
		}
	}
}

func mustSub(t *testing.T, fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

func TestRunFolderData(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "flags", "br"), 0o755)
	os.WriteFile(filepath.Join(dir, "flags", "br", "br.gif"), []byte("GIF89a mine"), 0o644)
	r := start(t, 1, "--only", "local", "--local-port", "0", "--data", dir, "-q")
	if status, body := get(t, r.urls["LOCAL"]+"/br/br.gif"); status != 200 || string(body) != "GIF89a mine" {
		t.Errorf("GET br.gif = %d %q; want 200 \"GIF89a mine\"", status, body)
	}
	if status, _ := get(t, r.urls["LOCAL"]+"/ad/ad.gif"); status != 404 {
		t.Errorf("GET ad.gif = %d; want 404: the folder has no ad", status)
	}
}

func TestRunUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--nope"}, "unknown flag: --nope"},
		{[]string{"br"}, `unexpected argument "br"`},
		{[]string{"--local-port", "x"}, `invalid argument "x" for "--local-port" flag`},
		{[]string{"--local-port", "70000"}, "--local-port must be 0 to 65535; got 70000"},
		{[]string{"--error-port", "-1"}, "--error-port must be 0 to 65535"},
		{[]string{"--delay-port", "8000"}, "--delay-port 8000 is also --local-port"},
		{[]string{"--only", "remote"}, `--only takes LOCAL, DELAY, ERROR; got "remote"`},
		{[]string{"--only", ""}, "--only needs at least one"},
		{[]string{"--min-delay", "-1s"}, `"--min-delay" flag: must not be negative`},
		{[]string{"--min-delay", "2s", "--max-delay", "1s"}, "--max-delay 1s is below --min-delay 2s"},
		{[]string{"--min-delay", "soon"}, `invalid argument "soon" for "--min-delay" flag`},
		{[]string{"--error-delay", "-1ms"}, `"--error-delay" flag: must not be negative`},
		{[]string{"--max-delay", "9e9"}, `"--max-delay" flag: must be at most 24h0m0s`},
		{[]string{"--error-rate", "1.5"}, "--error-rate must be 0 to 1; got 1.5"},
		{[]string{"--error-rate", "NaN"}, "--error-rate must be 0 to 1; got NaN"},
		{[]string{"--error-status", "200"}, "--error-status must be an HTTP error status, 400 to 599; got 200"},
		{[]string{"--seed", "x"}, `invalid argument "x" for "--seed" flag`},
		{[]string{"--seed-by", "path"}, "--seed-by needs --seed"},
		{[]string{"--seed", "1", "--seed-by", "code"}, `--seed-by "code": request or path`},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		code := run(t.Context(), tt.args, &stdout, &stderr)
		lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
		if code != 2 || len(lines) != 2 || !strings.HasPrefix(lines[0], "*** Usage error: ") ||
			!strings.Contains(lines[0], tt.want) || lines[1] != usageLine || stdout.Len() != 0 {
			t.Errorf("run(%q) = %d, stderr %q, stdout %q; want 2, \"*** Usage error: …%s…\" and the usage line",
				tt.args, code, stderr.String(), stdout.String(), tt.want)
		}
	}
}

func TestRunUnderscoresWork(t *testing.T) {
	t.Parallel()
	r := start(t, 1, "--only", "delay", "--delay_port", "0", "--min_delay", "1ms", "--max_delay", "1ms", "-q")
	if code := r.stop(); code != 0 {
		t.Errorf("exit code %d; want 0", code)
	}
}

func TestRunHelp(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"-h", "--help"} {
		var stdout, stderr bytes.Buffer
		code := run(t.Context(), []string{arg}, &stdout, &stderr)
		if code != 0 || !strings.HasPrefix(stdout.String(), usageLine+"\n") ||
			!strings.Contains(stdout.String(), "--error-status N") || stderr.Len() != 0 {
			t.Errorf("run(%q) = %d, stdout %q, stderr %q; want 0 and the help on stdout", arg, code, stdout.String(), stderr.String())
		}
	}
}

func TestRunBadData(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("not a zip"), 0o644)
	tests := []struct {
		path, want string
	}{
		{filepath.Join(dir, "missing.zip"), "missing.zip: no such file or directory"},
		{text, "not a folder or a zip archive"},
		{dir, "no code folders"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		code := run(t.Context(), []string{"--data", tt.path, "--local-port", "0"}, &stdout, &stderr)
		if code != 1 || strings.Count(stderr.String(), "\n") != 1 ||
			!strings.HasPrefix(stderr.String(), "testserver: ") || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("run(--data %s) = %d, stderr %q; want 1 and one line with %q", tt.path, code, stderr.String(), tt.want)
		}
		if stdout.Len() != 0 {
			t.Errorf("run(--data %s) printed %q; want no ready line", tt.path, stdout.String())
		}
	}
}

func TestRunPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"--local-port", "0", "--delay-port", port, "--error-port", "0", "-q"}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "DELAY: listen tcp 127.0.0.1:"+port) || stdout.Len() != 0 {
		t.Errorf("run with a busy --delay-port = %d, stdout %q, stderr %q; want 1, no ready line, and which server failed",
			code, stdout.String(), stderr.String())
	}
}

// TestStopCutsWaitsShort: stopping does not wait for a DELAY wait in
// progress; its client gets a 503 at once.
func TestStopCutsWaitsShort(t *testing.T) {
	t.Parallel()
	cfg, err := parse([]string{"--only", "delay", "--delay-port", "0", "--min-delay", "3600", "--max-delay", "1h"}, io.Discard)
	if err != nil || cfg.minDelay != time.Hour { // bare seconds, like the book's scripts
		t.Fatalf("--min-delay 3600: %v, %v; want 1h", cfg.minDelay, err)
	}
	servers, err := listen(cfg, dataset.Embedded(), nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	served := make(chan error, 1)
	go func() { served <- serve(ctx, servers, io.Discard) }()

	answered := make(chan int, 1)
	go func() {
		resp, err := http.Get(servers[0].url() + "/br/br.gif")
		if err != nil {
			t.Error(err)
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	waitFor(t, "the request to be waiting", func() bool { return servers[0].site.Stats().InFlight == 1 })

	start := time.Now()
	cancel()
	if err := <-served; err != nil {
		t.Errorf("serve = %v; want nil after a stop", err)
	}
	if took := time.Since(start); took > shutdownGrace/2 {
		t.Errorf("stopping took %v; want it not to wait for the hour-long delay", took)
	}
	if status := <-answered; status != http.StatusServiceUnavailable {
		t.Errorf("the waiting client got %d; want 503", status)
	}
}

// waitFor polls cond, for state that only the server's side can see.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
