package site

import (
	"bytes"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"
)

// FuzzRoute sends arbitrary request targets to a site whose data set sits
// next to files that must never be served, and checks that a 200 comes only
// for the listing or a data file named by one of the three shapes of path.
func FuzzRoute(f *testing.F) {
	for _, seed := range []string{
		"/flags/br/br.gif", "/flags/br/metadata.json", "/flags/", "/flags",
		"/flags/../secret.txt", "/flags/%2e%2e/secret.txt", "/flags/br%2fbr.gif",
		"//etc/passwd", "/flags/zz/zz.gif", "/flags/br/../br/br.gif", "/flags/xx/secret.txt",
		"/flags/br/br.gif?x=1#y", "http://h/flags/br/br.gif", "*", "/flags/br/br.gif/..",
	} {
		f.Add(seed)
	}
	data := fstest.MapFS{
		"br/br.gif":        {Data: []byte("GIF89a br")},
		"br/metadata.json": {Data: []byte(`{"iso_cc": "BR"}`)},
		"secret.txt":       {Data: []byte("SECRET")},
		"xx/secret.txt":    {Data: []byte("SECRET")},
		"xx/xx.txt":        {Data: []byte("SECRET")},
	}
	s := New(Config{Data: data})
	f.Fuzz(func(t *testing.T, target string) {
		rt, name := s.parse(target)
		if name != "" {
			cc, file, _ := strings.Cut(name, "/")
			if !fs.ValidPath(name) || (file != cc+".gif" && file != "metadata.json") {
				t.Fatalf("parse(%q) = %v, %q; want a data file name", target, rt, name)
			}
		}

		u, err := url.ParseRequestURI(target)
		if err != nil {
			return // the server would refuse the request line itself
		}
		r := (&http.Request{Method: "GET", URL: u, Header: http.Header{}, RequestURI: target}).WithContext(t.Context())
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if bytes.Contains(body, []byte("SECRET")) {
			t.Fatalf("GET %q served a file outside the data set: %q", target, body)
		}
		if rec.Code != http.StatusOK {
			return
		}
		switch p := u.EscapedPath(); p {
		case "/flags/":
		case "/flags/br/br.gif", "/flags/br/metadata.json":
			if want := data[strings.TrimPrefix(p, "/flags/")].Data; !bytes.Equal(body, want) {
				t.Fatalf("GET %q = %q; want %q", target, body, want)
			}
		default:
			t.Fatalf("GET %q (path %q) = 200 %q; want 404", target, p, body)
		}
	})
}

// FuzzRequest feeds arbitrary request heads to the parser: it never panics,
// and what it accepts is a token method, a path that starts with a slash
// (or is "*") and holds no space or control byte, as the site expects.
func FuzzRequest(f *testing.F) {
	for _, seed := range []string{
		"GET /flags/br/br.gif HTTP/1.1\r\nHost: t\r\n\r\n",
		"HEAD http://t/flags/?x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
		"POST /x HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
		"GET * HTTP/1.1\n\n", "GET / HTTP/2.0\r\n\r\n", "\r\n\r\n", "GET /\x00 HTTP/1.1\r\n\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		b = b[leadingBlank(b):]
		n := headEnd(b)
		if n < 0 {
			return
		}
		if n > len(b) || (b[n-1] != '\n') {
			t.Fatalf("headEnd(%q) = %d; want the end of a blank line", b, n)
		}
		req, status := parseRequest(b[:n])
		if status != 0 {
			if status != 400 && status != 505 {
				t.Fatalf("parseRequest(%q) status %d; want 0, 400 or 505", b[:n], status)
			}
			return
		}
		if !isToken([]byte(req.method)) {
			t.Fatalf("parseRequest(%q): method %q is not a token", b[:n], req.method)
		}
		if req.path != "*" && !strings.HasPrefix(req.path, "/") {
			t.Fatalf("parseRequest(%q): path %q", b[:n], req.path)
		}
		for _, c := range []byte(req.path) {
			if c <= ' ' || c >= 0x7f {
				t.Fatalf("parseRequest(%q): path %q holds byte %#x", b[:n], req.path, c)
			}
		}
	})
}
