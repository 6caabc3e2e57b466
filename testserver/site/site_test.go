package site

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"flagsuite/testserver/dataset"
)

// raw sends one request exactly as written, so that what reaches the server
// is not cleaned or re-escaped by a client, and reads the whole answer.
func raw(t *testing.T, addr, method, target string) (*http.Response, []byte) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n", method, target)
	resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, target, err)
	}
	return resp, body
}

// startFunc serves a new site for cfg and returns it with its address.
type startFunc func(t *testing.T, cfg Config) (*Site, string)

// eachTransport runs test once for each way a site is served: as an
// http.Handler under net/http, and by a Server on its own connections.
func eachTransport(t *testing.T, test func(*testing.T, startFunc)) {
	t.Parallel()
	for _, tr := range []struct {
		name  string
		serve func(*testing.T, *Site) string
	}{
		{"net/http", func(t *testing.T, s *Site) string {
			srv := httptest.NewServer(s)
			t.Cleanup(srv.Close)
			return srv.Listener.Addr().String()
		}},
		{"Server", func(t *testing.T, s *Site) string { return serveConns(t, s, nil) }},
	} {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			test(t, func(t *testing.T, cfg Config) (*Site, string) {
				t.Helper()
				s := New(cfg)
				return s, tr.serve(t, s)
			})
		})
	}
}

func TestRoutes(t *testing.T) { eachTransport(t, testRoutes) }

func testRoutes(t *testing.T, startLocal startFunc) {
	_, addr := startLocal(t, Config{})
	br := dataset.GIF("br")
	brMeta, _ := fs.ReadFile(dataset.Embedded(), "br/metadata.json")
	tests := []struct {
		method, target string
		status         int
		contentType    string
		body           []byte // exact body when not nil
		contains       string // a part of the body otherwise
		header         [2]string
	}{
		{"GET", "/flags/br/br.gif", 200, "image/gif", br, "", [2]string{}},
		{"GET", "/flags/br/br.gif?cache=no", 200, "image/gif", br, "", [2]string{}},
		{"HEAD", "/flags/br/br.gif", 200, "image/gif", []byte{}, "", [2]string{"Content-Length", strconv.Itoa(len(br))}},
		{"GET", "/flags/br/metadata.json", 200, "application/json", brMeta, "", [2]string{}},
		{"GET", "/flags/", 200, "text/html; charset=utf-8", nil, `<a href="br/br.gif">br/</a>`, [2]string{}},
		{"HEAD", "/flags/", 200, "text/html; charset=utf-8", []byte{}, "", [2]string{}},
		{"GET", "/flags", 301, "text/plain; charset=utf-8", nil, "/flags/", [2]string{"Location", "/flags/"}},
		{"POST", "/flags/br/br.gif", 405, "text/plain; charset=utf-8", nil, "405", [2]string{"Allow", "GET, HEAD"}},
		{"DELETE", "/flags/", 405, "text/plain; charset=utf-8", nil, "405", [2]string{"Allow", "GET, HEAD"}},
		{"POST", "/flags/zz/nothing", 404, "text/plain; charset=utf-8", nil, "404", [2]string{}},
		{"GET", "/flags/zz/zz.gif", 404, "text/plain; charset=utf-8", nil, "404", [2]string{}},
		{"GET", "/flags/xz/metadata.json", 404, "text/plain; charset=utf-8", nil, "404", [2]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			resp, body := raw(t, addr, tt.method, tt.target)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d; want %d", resp.StatusCode, tt.status)
			}
			if tt.contentType != "" {
				if got := resp.Header.Get("Content-Type"); got != tt.contentType {
					t.Errorf("Content-Type = %q; want %q", got, tt.contentType)
				}
				if tt.method == "GET" {
					if got := resp.Header.Get("Content-Length"); got != strconv.Itoa(len(body)) {
						t.Errorf("Content-Length = %q; want %d", got, len(body))
					}
				}
			}
			if tt.body != nil && !bytes.Equal(body, tt.body) {
				t.Errorf("body = %d bytes %.20q…; want %d bytes %.20q…", len(body), body, len(tt.body), tt.body)
			}
			if !bytes.Contains(body, []byte(tt.contains)) {
				t.Errorf("body = %.80q…; want it to contain %q", body, tt.contains)
			}
			if k, v := tt.header[0], tt.header[1]; k != "" && resp.Header.Get(k) != v {
				t.Errorf("%s = %q; want %q", k, resp.Header.Get(k), v)
			}
		})
	}
}

// TestNoTraversal: only the three shapes of path are served; nothing that
// could name a file outside the data set, however spelled, gets a 200.
func TestNoTraversal(t *testing.T) { eachTransport(t, testNoTraversal) }

func testNoTraversal(t *testing.T, startLocal startFunc) {
	_, addr := startLocal(t, Config{})
	targets := []string{
		"/flags/../go.mod",
		"/flags/../../go.mod",
		"/flags/%2e%2e/x",
		"/flags/%2E%2E/%2E%2E/go.mod",
		"/flags/..%2f..%2fgo.mod",
		"/flags/br%2fbr.gif",
		"/flags/br%2Fbr.gif",
		"/flags/br%5cbr.gif",
		"//etc/passwd",
		"/etc/passwd",
		"/flags//etc/passwd",
		"/flags/zz/zz.gif",
		"/flags/br/../br/br.gif",
		"/flags/./br/br.gif",
		"/flags/br/./br.gif",
		"/flags//br/br.gif",
		"/flags/br//br.gif",
		"/flags/%62r/br.gif",
		"/flags/br/br%2egif",
		"/flags/br/br.gif%00",
		"/flags/br/br.gif/",
		"/flags/br/br.gif/..",
		"/flags/BR/BR.gif",
		"/flags/br/BR.gif",
		"/flags/br/ad.gif",
		"/flags/br/",
		"/flags/br",
		"/flags/bra/bra.gif",
		"/flags/b/b.gif",
		"/flagsbr/br.gif",
		"/FLAGS/br/br.gif",
		"/",
		"*",
		"http://test/flags/../../etc/passwd",
	}
	for _, target := range targets {
		resp, body := raw(t, addr, "GET", target)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d %.40q; want 404", target, resp.StatusCode, body)
		}
	}
}

// TestFolderLinkOutside: a data folder is opened with os.Root, so a link in
// it that leads outside is a 404, not the file it names.
func TestFolderLinkOutside(t *testing.T) { eachTransport(t, testFolderLinkOutside) }

func testFolderLinkOutside(t *testing.T, startLocal startFunc) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("secret"), 0o644)
	data := filepath.Join(dir, "flags")
	os.MkdirAll(filepath.Join(data, "br"), 0o755)
	os.WriteFile(filepath.Join(data, "br", "br.gif"), []byte("GIF89a"), 0o644)
	os.Mkdir(filepath.Join(data, "ad"), 0o755)
	if err := os.Symlink(filepath.Join(dir, "secret.txt"), filepath.Join(data, "ad", "ad.gif")); err != nil {
		t.Skipf("cannot make a symbolic link: %v", err)
	}
	fsys, closer, err := dataset.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	_, addr := startLocal(t, Config{Data: fsys})
	if resp, body := raw(t, addr, "GET", "/flags/br/br.gif"); resp.StatusCode != 200 || string(body) != "GIF89a" {
		t.Errorf("GET /flags/br/br.gif = %d %q; want 200 GIF89a", resp.StatusCode, body)
	}
	if resp, body := raw(t, addr, "GET", "/flags/ad/ad.gif"); resp.StatusCode != 404 {
		t.Errorf("GET /flags/ad/ad.gif (a link to ../secret.txt) = %d %q; want 404", resp.StatusCode, body)
	}
}

func TestListing(t *testing.T) { eachTransport(t, testListing) }

func testListing(t *testing.T, startLocal startFunc) {
	data := fsMap("br/br.gif", "ad/ad.gif", "ad/metadata.json", "readme.txt", "BR/BR.gif")
	_, addr := startLocal(t, Config{Data: data, Prefix: "/data/"})
	_, body := raw(t, addr, "GET", "/data/")
	var links []string
	for line := range strings.Lines(string(body)) {
		if strings.HasPrefix(line, "<li>") {
			links = append(links, strings.TrimSpace(line))
		}
	}
	want := []string{
		`<li><a href="ad/ad.gif">ad/</a> <a href="ad/metadata.json">metadata.json</a></li>`,
		`<li><a href="br/br.gif">br/</a> <a href="br/metadata.json">metadata.json</a></li>`,
	}
	if strings.Join(links, "\n") != strings.Join(want, "\n") {
		t.Errorf("listing =\n%s\nwant\n%s", strings.Join(links, "\n"), strings.Join(want, "\n"))
	}
}

func TestPrefix(t *testing.T) { eachTransport(t, testPrefix) }

func testPrefix(t *testing.T, startLocal startFunc) {
	tests := []struct {
		prefix, ok, missing string
	}{
		{"", "/flags/br/br.gif", "/br/br.gif"},
		{"/flags/", "/flags/br/br.gif", "/br/br.gif"},
		{"data", "/data/br/br.gif", "/flags/br/br.gif"},
		{"/a/b", "/a/b/br/br.gif", "/a/br/br.gif"},
		{"/", "/br/br.gif", "/flags/br/br.gif"},
	}
	for _, tt := range tests {
		_, addr := startLocal(t, Config{Data: fsMap("br/br.gif"), Prefix: tt.prefix})
		if resp, _ := raw(t, addr, "GET", tt.ok); resp.StatusCode != 200 {
			t.Errorf("Prefix %q: GET %s = %d; want 200", tt.prefix, tt.ok, resp.StatusCode)
		}
		if resp, _ := raw(t, addr, "GET", tt.missing); resp.StatusCode != 404 {
			t.Errorf("Prefix %q: GET %s = %d; want 404", tt.prefix, tt.missing, resp.StatusCode)
		}
	}
}

func TestStatsCounters(t *testing.T) { eachTransport(t, testStatsCounters) }

func testStatsCounters(t *testing.T, startLocal startFunc) {
	s, addr := startLocal(t, Config{})
	for _, target := range []string{"/flags/br/br.gif", "/flags/br/metadata.json", "/flags/", "/flags/zz/zz.gif", "/etc/passwd", "/flags"} {
		raw(t, addr, "GET", target)
	}
	want := Stats{Requests: 6, Served: 3, NotFound: 2, MaxInFlight: 1}
	if got := s.Stats(); got != want {
		t.Errorf("Stats() = %+v; want %+v", got, want)
	}
	s.ResetStats()
	if got := s.Stats(); got != (Stats{}) {
		t.Errorf("after ResetStats, Stats() = %+v; want zeros", got)
	}
}

func TestRequestLog(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	s := New(Config{Data: fsMap("br/br.gif"), Logger: logger})
	for _, target := range []string{"/flags/br/br.gif", "/nowhere"} {
		s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", target, nil))
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("log has %d lines; want one per request:\n%s", len(lines), buf.String())
	}
	for i, want := range []string{"path=/flags/br/br.gif status=200 bytes=9", "path=/nowhere status=404"} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("log line %d = %q; want it to contain %q", i, lines[i], want)
		}
	}
}

func TestForLabel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		label string
		want  Config
		ok    bool
	}{
		{"LOCAL", Config{Mode: Local}, true},
		{"delay", Config{Mode: Delay, MinDelay: 500 * time.Millisecond, MaxDelay: 5 * time.Second}, true},
		{"Error", Config{Mode: Error, ErrorRate: 0.25, ErrorDelay: 500 * time.Millisecond, ErrorStatus: 418}, true},
		{"REMOTE", Config{}, false},
	}
	for _, tt := range tests {
		got, ok := ForLabel(tt.label)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ForLabel(%q) = %+v, %v; want %+v, %v", tt.label, got, ok, tt.want, tt.ok)
		}
		if ok && got.Mode.String() != strings.ToUpper(tt.label) {
			t.Errorf("ForLabel(%q).Mode.String() = %q", tt.label, got.Mode)
		}
	}
}

func TestBadErrorStatusPanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("New(Config{ErrorStatus: 42}) did not panic")
		}
	}()
	New(Config{Mode: Error, ErrorStatus: 42})
}

// fsMap is a small data set whose files hold their own names.
func fsMap(names ...string) fstest.MapFS {
	m := fstest.MapFS{}
	for _, n := range names {
		m[n] = &fstest.MapFile{Data: []byte(n)}
	}
	return m
}

// TestBigFile: a data file over maxHeld is not held in memory but read
// from the data set at each request, with the same answer either way.
func TestBigFile(t *testing.T) { eachTransport(t, testBigFile) }

func testBigFile(t *testing.T, startLocal startFunc) {
	big := bytes.Repeat([]byte("0123456789abcdef"), maxHeld/16+1)
	data := fstest.MapFS{"br/br.gif": {Data: big}, "ad/ad.gif": {Data: []byte("small")}}
	s, addr := startLocal(t, Config{Data: data})
	if a := s.answers.files["br/br.gif"]; a == nil || a.big == "" || len(a.wire) > 1<<10 {
		t.Fatalf("the answer for a %d-byte file holds its body; want it read at each request", len(big))
	}
	for range 2 {
		resp, body := raw(t, addr, "GET", "/flags/br/br.gif")
		if resp.StatusCode != 200 || !bytes.Equal(body, big) || resp.ContentLength != int64(len(big)) {
			t.Errorf("GET = %d, %d bytes, Content-Length %d; want 200 and the %d bytes", resp.StatusCode, len(body), resp.ContentLength, len(big))
		}
	}
	resp, body := raw(t, addr, "HEAD", "/flags/br/br.gif")
	if resp.StatusCode != 200 || len(body) != 0 || resp.Header.Get("Content-Length") != strconv.Itoa(len(big)) {
		t.Errorf("HEAD = %d, %d bytes, Content-Length %q; want 200, none, %d", resp.StatusCode, len(body), resp.Header.Get("Content-Length"), len(big))
	}
	if st := s.Stats(); st.Served != 3 {
		t.Errorf("Stats().Served = %d; want 3", st.Served)
	}
}
