package site

import (
	"context"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// result is what a request got, for the log.
type result struct {
	status int
	bytes  int64
	wait   time.Duration // the wait its fate gave it
	note   string        // "injected" or "canceled"
	err    error         // why a data file was not served, or was cut short
}

// decide answers a request, whichever transport brought it: the route, and,
// for each GET under the prefix, the wait and the injected failure its fate
// gives it. The wait ends early when ctx does (the client left, or the
// server is stopping). For a file too big to hold, file is open on it, and
// the caller copies and closes it.
func (s *Site) decide(ctx context.Context, method, path string) (a *answer, res result, file fs.File) {
	rt, name := s.parse(path)
	switch {
	case rt == outside:
		return s.counted(answerNotFound)
	case method != http.MethodGet && method != http.MethodHead:
		if rt == unknown {
			return s.counted(answerNotFound)
		}
		return answerNotAllowed, result{status: http.StatusMethodNotAllowed}, nil
	case rt == bare:
		return s.redirect, result{status: http.StatusMovedPermanently}, nil
	}
	// As in the book, every GET under the prefix meets its fate first, so
	// even an unknown code's 404 comes late from DELAY and ERROR.
	var wait time.Duration
	if method == http.MethodGet {
		var fail bool
		wait, fail = s.fate(path)
		if wait > 0 && !sleep(ctx, wait) {
			// The client left, and nobody reads this; or the server is
			// stopping, and the client learns why.
			s.stats.canceled.Add(1)
			return answerCanceled, result{status: answerCanceled.status, wait: wait, note: "canceled"}, nil
		}
		if fail {
			s.stats.injected.Add(1)
			return s.failure, result{status: s.failure.status, wait: wait, note: "injected"}, nil
		}
	}
	switch rt {
	case listing:
		a = s.answers.listing
	case image, metadata:
		a = s.answers.files[name]
	}
	if a == nil {
		a = answerNotFound
	}
	if a.big != "" {
		f, err := s.data.Open(a.big)
		if err != nil {
			nf := *answerNotFound
			nf.err = err
			a = &nf
		} else {
			file = f
		}
	}
	a, res, _ = s.counted(a)
	res.wait = wait
	return a, res, file
}

// counted tallies a data set answer (a 200 or a 404) and starts its result.
func (s *Site) counted(a *answer) (*answer, result, fs.File) {
	switch a.status {
	case http.StatusOK:
		s.stats.served.Add(1)
	case http.StatusNotFound:
		s.stats.notFound.Add(1)
	}
	return a, result{status: a.status, err: a.err}, nil
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

// ServeHTTP serves the data set under the prefix through net/http: GET and
// HEAD of the listing and of data files; 404 for everything else. It sends
// the same answers as a Server, with the fields net/http adds.
func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	s.stats.enter()
	defer s.stats.leave()
	path := r.URL.EscapedPath()
	a, res, file := s.decide(r.Context(), r.Method, path)
	h := w.Header()
	for _, f := range a.fields {
		h.Set(f[0], f[1])
	}
	w.WriteHeader(a.status)
	if r.Method != http.MethodHead {
		// Not supported by every ResponseWriter (httptest's recorder); then
		// there is no client to hold the answer anyway.
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(WriteTimeout))
		var err error
		if file != nil {
			res.bytes, err = io.CopyN(w, file, a.size)
		} else {
			var n int
			n, err = w.Write(a.body())
			res.bytes = int64(n)
		}
		if res.err == nil {
			res.err = err
		}
	}
	if file != nil {
		file.Close()
	}
	if s.logger != nil {
		s.log(r.Context(), r.RemoteAddr, r.Method, path, res, start)
	}
}

// maxLoggedPath keeps a hostile path from filling the log.
const maxLoggedPath = 256

func (s *Site) log(ctx context.Context, remote, method, path string, res result, start time.Time) {
	if len(path) > maxLoggedPath {
		path = path[:maxLoggedPath] + "…"
	}
	attrs := make([]slog.Attr, 0, 9)
	attrs = append(attrs,
		slog.String("remote", remote),
		slog.String("method", method),
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
	s.logger.LogAttrs(ctx, slog.LevelInfo, "request", attrs...)
}

// statusText is http.StatusText, with a fallback for codes it does not know.
func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return t
	}
	return "Status " + strconv.Itoa(code)
}
