package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer that run's goroutines and the test can
// share.
type syncBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// running is a chaos command started by a test.
type running struct {
	stdout, stderr *syncBuffer
	proxies        []string // base URLs from the ready lines, in order
	api            string   // "" without --api
}

// startChaos runs the command with args until the test ends, and waits for
// its ready lines: wantProxies "chaos …" lines, and the "api …" line when
// wantAPI.
func startChaos(t *testing.T, wantProxies int, wantAPI bool, args ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, r.stdout, r.stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("chaos exited %d after a signal; want 0\nstderr: %s", code, r.stderr)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("chaos did not stop within 10s of its signal")
		}
	})
	proxyLine := regexp.MustCompile(`^chaos ((?:http|tcp)://[^ ]+) -> [^ ]+$`)
	deadline := time.Now().Add(10 * time.Second)
	for {
		r.proxies, r.api = nil, ""
		for _, line := range strings.Split(strings.TrimSpace(r.stdout.String()), "\n") {
			if m := proxyLine.FindStringSubmatch(line); m != nil {
				r.proxies = append(r.proxies, m[1])
			} else if api, ok := strings.CutPrefix(line, "api "); ok {
				r.api = api
			}
		}
		if len(r.proxies) == wantProxies && (r.api != "") == wantAPI {
			return r
		}
		select {
		case code := <-done:
			t.Fatalf("chaos exited %d before it was ready\nstdout: %s\nstderr: %s", code, r.stdout, r.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no ready lines after 10s; stdout: %q", r.stdout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stats reads GET /stats from the running command's API.
func (r *running) stats(t *testing.T) statsJSON {
	t.Helper()
	resp, err := http.Get(r.api + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s statsJSON
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

type statsJSON struct {
	Requests    int64            `json:"requests"`
	Connections int64            `json:"connections"`
	Faults      map[string]int64 `json:"faults"`
	Statuses    map[string]int64 `json:"statuses"`
}

func backend(t *testing.T) string {
	t.Helper()
	b := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s", r.URL.Path)
	}))
	t.Cleanup(b.Close)
	return strings.TrimPrefix(b.URL, "http://")
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	badConfig := filepath.Join(dir, "bad.json")
	os.WriteFile(badConfig, []byte(`{"proxies": [{"name": "x", "backend": "127.0.0.1:1", "faults": [{"name": "error", "percent": 120}]}]}`), 0o644)
	typo := filepath.Join(dir, "typo.json")
	os.WriteFile(typo, []byte(`{"proxys": []}`), 0o644)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"over 100", []string{"--behavior", "60:error,50:delay"}, "percentages add up to 110, over 100"},
		{"one over 100", []string{"--behavior", "101:error"}, "over 100"},
		{"unknown name", []string{"--behavior", "25:explode"}, `unknown behavior "explode"`},
		{"no percent", []string{"--behavior", "error"}, `item "error" is not PERCENT:NAME`},
		{"no name", []string{"--behavior", "25:"}, "has no name"},
		{"bad percent", []string{"--behavior", "x:error"}, "bad percentage"},
		{"negative percent", []string{"--behavior", "-5:error"}, "bad percentage"},
		{"empty item", []string{"--behavior", "25:error,,5:delay"}, "is not PERCENT:NAME"},
		{"twice", []string{"--behavior", "5:error,5:error"}, "listed twice"},
		{"bad option value", []string{"--behavior", "10:delay", "--behavior-delay-sleep", "soon"}, "delay sleep"},
		{"unknown option", []string{"--behavior-delay-nap", "1"}, "unknown flag: --behavior-delay-nap"},
		{"unknown flag", []string{"--log-level", "debug"}, "unknown flag: --log-level"},
		{"protocol", []string{"--protocol", "udp"}, `--protocol "udp": http or tcp`},
		{"http fault in tcp", []string{"--protocol", "tcp", "--behavior", "10:error"}, "error is a http toxic"},
		{"tcp fault in http", []string{"--behavior", "10:latency"}, "latency is a tcp toxic"},
		{"seed by path in tcp", []string{"--protocol", "tcp", "--seed", "1", "--seed-by", "path"}, "needs --protocol http"},
		{"seed-by without seed", []string{"--seed-by", "path"}, "--seed-by needs --seed"},
		{"seed-by value", []string{"--seed", "1", "--seed-by", "url"}, `--seed-by "url"`},
		{"bad seed", []string{"--seed", "seven"}, "invalid argument"},
		{"proxy address", []string{"--proxy", "nonsense"}, `--proxy "nonsense": want HOST:PORT`},
		{"backend port", []string{"--backend", "localhost:99999"}, "bad port"},
		{"public api", []string{"--api", "192.0.2.1:8474"}, "not a loopback address"},
		{"api address", []string{"--api", "8474"}, "want HOST:PORT"},
		{"config missing", []string{"--config", filepath.Join(dir, "none.json")}, "no such file"},
		{"config bad fault", []string{"--config", badConfig}, "out of 0-100"},
		{"config typo", []string{"--config", typo}, `unknown field "proxys"`},
		{"argument", []string{"extra"}, `unexpected argument "extra"`},
		{"dial timeout", []string{"--dial-timeout", "0"}, "--dial-timeout"},
		{"header timeout", []string{"--header-timeout", "soon"}, "--header-timeout"},
		{"status 1xx", []string{"--behavior", "10:error", "--behavior-error-status", "100-199"}, "bad status set"},
		{"sleep of centuries", []string{"--behavior", "10:delay", "--behavior-delay-sleep", "9e9"}, "over the 24h0m0s limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, &stdout, &stderr)
			if code != 2 {
				t.Errorf("run(%q) = %d; want 2", tt.args, code)
			}
			want := "*** Usage error: "
			if !strings.HasPrefix(stderr.String(), want) || !strings.Contains(stderr.String(), tt.want) || !strings.Contains(stderr.String(), usageLine) {
				t.Errorf("run(%q) stderr = %q; want %q…%q and the usage line", tt.args, stderr.String(), want, tt.want)
			}
			if stdout.Len() != 0 {
				t.Errorf("run(%q) wrote %q to stdout; want nothing", tt.args, stdout.String())
			}
		})
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"-h", "--help"} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), []string{arg}, &stdout, &stderr); code != 0 {
			t.Errorf("run(%s) = %d; want 0", arg, code)
		}
		for _, want := range []string{usageLine, "--behavior-delay-sleep", "reset_peer", "--seed-by"} {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("help lacks %q", want)
			}
		}
	}
}

func TestReadyLinesAndStop(t *testing.T) {
	t.Parallel()
	be := backend(t)
	r := startChaos(t, 1, true, "--backend", be, "--proxy", "127.0.0.1:0", "--api", "127.0.0.1:0", "--quiet")
	want := regexp.MustCompile(`^chaos http://127\.0\.0\.1:[1-9][0-9]* -> ` + regexp.QuoteMeta(be) + "\napi http://127\\.0\\.0\\.1:[1-9][0-9]*\n$")
	if !want.MatchString(r.stdout.String()) {
		t.Errorf("stdout = %q; want the ready lines with real ports", r.stdout)
	}
	resp, err := http.Get(r.proxies[0] + "/x")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "hello /x" {
		t.Errorf("GET through chaos = %q", b)
	}
	resp, err = http.Get(r.api + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("GET /healthz = %v, %v", resp, err)
	}
	if r.stderr.String() != "" {
		t.Errorf("--quiet wrote %q to stderr", r.stderr)
	}
}

// Issue 16 §7: chaos in front of a backend that is down said nothing until
// the first request. It now warns at start, and still serves (502s).
func TestWarnsWhenBackendDown(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := ln.Addr().String()
	ln.Close() // nothing listens there now: connection refused
	r := startChaos(t, 1, true, "--backend", down, "--proxy", "127.0.0.1:0", "--api", "127.0.0.1:0", "--quiet")
	want := "chaos: warning: backend " + down + " of proxy main is not reachable"
	if !strings.Contains(r.stderr.String(), want) {
		t.Errorf("stderr = %q; want %q", r.stderr, want)
	}
	resp, err := http.Get(r.proxies[0] + "/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 502 {
		t.Errorf("GET through chaos to a down backend = %d; want 502", resp.StatusCode)
	}
}

func TestLocalhostKeepsItsName(t *testing.T) {
	t.Parallel()
	r := startChaos(t, 1, false, "--backend", backend(t), "--proxy", "localhost:0", "--quiet")
	if !strings.HasPrefix(r.proxies[0], "http://localhost:") || strings.HasSuffix(r.proxies[0], ":0") {
		t.Errorf("ready URL %s; want localhost with the real port", r.proxies[0])
	}
}

func TestPortInUse(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"--backend", "127.0.0.1:1", "--proxy", ln.Addr().String()}, &stdout, &stderr); code != 1 {
		t.Errorf("run on a busy port = %d; want 1 (stderr %q)", code, stderr.String())
	}
}

func TestFaultLogAndTag(t *testing.T) {
	t.Parallel()
	r := startChaos(t, 1, false, "--backend", backend(t), "--proxy", "127.0.0.1:0",
		"--behavior", "100:error", "--behavior-error-status", "418", "--tag")
	resp, err := http.Get(r.proxies[0] + "/flags/br/br.gif")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 418 || resp.Header.Get("X-Chaos-Fault") != "error" {
		t.Errorf("GET = %d %q; want 418 tagged error", resp.StatusCode, resp.Header.Get("X-Chaos-Fault"))
	}
	var line map[string]any
	deadline := time.Now().Add(5 * time.Second)
	for {
		if s := strings.TrimSpace(r.stderr.String()); s != "" {
			if err := json.Unmarshal([]byte(strings.Split(s, "\n")[0]), &line); err != nil {
				t.Fatalf("log line %q is not JSON: %v", s, err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no log line for the injected fault")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if line["msg"] != "fault" || line["fault"] != "error" || line["status"] != 418.0 || line["target"] != "/flags/br/br.gif" {
		t.Errorf("log line = %v; want fault error, status 418, the target", line)
	}
}

func TestConfigFile(t *testing.T) {
	t.Parallel()
	be := backend(t)
	path := filepath.Join(t.TempDir(), "chaos.json")
	cfg := `{"api": "127.0.0.1:0", "proxies": [
		{"name": "errors", "listen": "127.0.0.1:0", "backend": "` + be + `",
		 "faults": [{"name": "error", "percent": 100, "options": {"status": "503"}}]},
		{"name": "raw", "protocol": "tcp", "listen": "127.0.0.1:0", "backend": "` + be + `"}]}`
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	r := startChaos(t, 2, true, "--config", path, "--quiet")
	if !strings.HasPrefix(r.proxies[1], "tcp://") {
		t.Errorf("second proxy %s; want tcp://", r.proxies[1])
	}
	resp, err := http.Get(r.proxies[0] + "/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Errorf("GET through the config's error proxy = %d; want 503", resp.StatusCode)
	}
	resp, err = http.Get("http://" + strings.TrimPrefix(r.proxies[1], "tcp://") + "/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET through the config's tcp proxy = %d; want 200", resp.StatusCode)
	}
	if s := r.stats(t); s.Requests != 1 || s.Connections != 2 || s.Faults["error"] != 1 {
		t.Errorf("stats = %+v; want 1 request, 2 connections, 1 error", s)
	}
}

// --config takes Toxiproxy's config file, the /populate shape, toxics
// included; and --api alone starts no proxy, as toxiproxy-server.
func TestToxiproxyConfigFile(t *testing.T) {
	t.Parallel()
	be := backend(t)
	path := filepath.Join(t.TempDir(), "toxiproxy.json")
	cfg := `[{"name": "web", "listen": "127.0.0.1:0", "upstream": "` + be + `", "enabled": true,
	          "toxics": [{"type": "error", "toxicity": 1, "attributes": {"status": 429}}]},
	         {"name": "off", "listen": "127.0.0.1:0", "upstream": "` + be + `", "enabled": false}]`
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	r := startChaos(t, 1, true, "--config", path, "--api", "127.0.0.1:0", "--quiet")
	if !strings.Contains(r.stdout.String(), "chaos off -> "+be+" (disabled)\n") {
		t.Errorf("stdout = %q; want a line for the disabled proxy", r.stdout)
	}
	resp, err := http.Get(r.proxies[0] + "/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 {
		t.Errorf("GET through the config's web proxy = %d; want 429", resp.StatusCode)
	}
	resp, err = http.Get(r.api + "/proxies/off")
	if err != nil {
		t.Fatal(err)
	}
	var off struct{ Enabled bool }
	json.NewDecoder(resp.Body).Decode(&off)
	resp.Body.Close()
	if resp.StatusCode != 200 || off.Enabled {
		t.Errorf("GET /proxies/off = %d enabled=%v; want it there, disabled", resp.StatusCode, off.Enabled)
	}

	empty := startChaos(t, 0, true, "--api", "127.0.0.1:0", "--quiet")
	resp, err = http.Get(empty.api + "/proxies")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.TrimSpace(string(b)) != "{}" {
		t.Errorf("chaos --api alone: GET /proxies = %s; want {} (no proxy)", b)
	}
}
