package site

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"flagsuite/testserver/dataset"
)

// result is what a request got, for the log.
type result struct {
	status int
	bytes  int64
	wait   time.Duration // the wait its fate gave it
	note   string        // "injected" or "canceled"
	err    error         // why a data file was not served, or was cut short
}

// ServeHTTP serves the data set under the prefix: GET and HEAD of the
// listing and of data files; 404 for everything else; and, for each GET
// under the prefix, the wait and the injected failure its fate gives it.
func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	s.stats.enter()
	defer s.stats.leave()
	path := r.URL.EscapedPath()
	res := s.serve(w, r, path)
	if s.logger != nil {
		s.log(r, path, res, start)
	}
}

func (s *Site) serve(w http.ResponseWriter, r *http.Request, path string) result {
	rt, name := s.parse(path)
	switch {
	case rt == outside:
		return s.notFound(w)
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		if rt == unknown {
			return s.notFound(w)
		}
		w.Header().Set("Allow", "GET, HEAD")
		return s.text(w, http.StatusMethodNotAllowed, "405 method not allowed\n")
	case rt == bare:
		w.Header().Set("Location", s.prefix+"/")
		return s.text(w, http.StatusMovedPermanently, "301 moved permanently to "+s.prefix+"/\n")
	}
	// As in the book, every GET under the prefix meets its fate first, so
	// even an unknown code's 404 comes late from DELAY and ERROR.
	var wait time.Duration
	if r.Method == http.MethodGet {
		res, done := s.meetFate(w, r)
		if done {
			return res
		}
		wait = res.wait
	}
	var res result
	switch rt {
	case unknown:
		res = s.notFound(w)
	case listing:
		res = s.listing(w)
	case image:
		res = s.file(w, r, name, "image/gif")
	case metadata:
		res = s.file(w, r, name, "application/json")
	}
	res.wait = wait
	return res
}

// meetFate numbers a GET, waits as its fate says and, if the fate is to
// fail, answers ErrorStatus. done reports that the answer has been given:
// a failure, or a 503 when the wait was cut short.
func (s *Site) meetFate(w http.ResponseWriter, r *http.Request) (res result, done bool) {
	wait, fail := s.fate(s.gets.Add(1) - 1)
	if wait > 0 && !sleep(r.Context(), wait) {
		// The client left, and nobody reads this; or the server is
		// stopping, and the client learns why.
		s.stats.canceled.Add(1)
		res = s.text(w, http.StatusServiceUnavailable, "503 server stopping or client gone\n")
		res.note = "canceled"
	} else if fail {
		s.stats.injected.Add(1)
		res = s.text(w, s.errorStatus, s.errorBody)
		res.note = "injected"
	} else {
		return result{wait: wait}, false
	}
	res.wait = wait
	return res, true
}

// sleep waits for d and reports true, or returns false as soon as ctx is
// done: a client that leaves a DELAY server costs nothing from then on.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// file answers with a data file. Whatever keeps it from being served (it is
// missing, a folder, or a link leading out of the data set) is a 404.
func (s *Site) file(w http.ResponseWriter, r *http.Request, name, contentType string) result {
	f, err := s.data.Open(name)
	if err != nil {
		res := s.notFound(w)
		res.err = err
		return res
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		res := s.notFound(w)
		res.err = err
		return res
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.FormatInt(info.Size(), 10))
	w.WriteHeader(http.StatusOK)
	s.stats.served.Add(1)
	if r.Method == http.MethodHead {
		return result{status: http.StatusOK}
	}
	// Not supported by every ResponseWriter (httptest's recorder); then
	// there is no client to hold the answer anyway.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(WriteTimeout))
	// Not CopyN: io.Copy keeps the file's WriteTo and the server's sendfile; a
	// file longer than it said is cut by the server at Content-Length.
	n, err := io.Copy(w, f)
	return result{status: http.StatusOK, bytes: n, err: err}
}

// listing answers with an HTML page linking each code's files.
func (s *Site) listing(w http.ResponseWriter) result {
	codes, err := dataset.Codes(s.data)
	if err != nil {
		res := s.text(w, http.StatusInternalServerError, "500 cannot list the data set\n")
		res.err = err
		return res
	}
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Flags</title></head>\n<body>\n<h1>Flags</h1>\n<ul>\n")
	for _, cc := range codes { // two lower-case letters: nothing to escape
		fmt.Fprintf(&b, "<li><a href=\"%[1]s/%[1]s.gif\">%[1]s/</a> <a href=\"%[1]s/metadata.json\">metadata.json</a></li>\n", cc)
	}
	b.WriteString("</ul>\n</body></html>\n")
	s.stats.served.Add(1)
	return s.write(w, http.StatusOK, "text/html; charset=utf-8", b.String())
}

func (s *Site) notFound(w http.ResponseWriter) result {
	s.stats.notFound.Add(1)
	return s.text(w, http.StatusNotFound, "404 not found\n")
}

// text answers with a short plain-text body.
func (s *Site) text(w http.ResponseWriter, status int, body string) result {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	return s.write(w, status, "text/plain; charset=utf-8", body)
}

func (s *Site) write(w http.ResponseWriter, status int, contentType, body string) result {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	n, _ := io.WriteString(w, body) // nothing to do if the client is gone
	return result{status: status, bytes: int64(n)}
}

// maxLoggedPath keeps a hostile path from filling the log.
const maxLoggedPath = 256

func (s *Site) log(r *http.Request, path string, res result, start time.Time) {
	if len(path) > maxLoggedPath {
		path = path[:maxLoggedPath] + "…"
	}
	attrs := make([]slog.Attr, 0, 9)
	attrs = append(attrs,
		slog.String("remote", r.RemoteAddr),
		slog.String("method", r.Method),
		slog.String("path", path),
		slog.Int("status", res.status),
		slog.Int64("bytes", res.bytes),
		slog.Duration("elapsed", time.Since(start).Round(time.Microsecond)))
	if res.wait > 0 {
		attrs = append(attrs, slog.Duration("wait", res.wait.Round(time.Millisecond)))
	}
	if res.note != "" {
		attrs = append(attrs, slog.String("note", res.note))
	}
	if res.err != nil {
		attrs = append(attrs, slog.String("error", res.err.Error()))
	}
	s.logger.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
}

// statusText is http.StatusText, with a fallback for codes it does not know.
func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return t
	}
	return "Status " + strconv.Itoa(code)
}
