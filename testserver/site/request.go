package site

import (
	"bytes"
	"net/http"
	"strconv"
)

// request is what a Server needs from a request head.
type request struct {
	method string
	path   string // the escaped path of the target, without query or fragment
	http10 bool
	close  bool // the client asked for the connection to close, or did not ask an HTTP/1.0 one to stay
	body   bool // a body follows, which the server will not read: it closes after answering
}

// headEnd returns the length of the request head at the start of b, blank
// line included, or -1 when b does not hold a whole one yet. Lines may end
// in CRLF or, as net/http also accepts, in a bare LF.
func headEnd(b []byte) int {
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return -1
		}
		i += j + 1
		switch {
		case i < len(b) && b[i] == '\n':
			return i + 1
		case i+1 < len(b) && b[i] == '\r' && b[i+1] == '\n':
			return i + 2
		}
	}
}

// leadingBlank returns how many empty lines start b: a client may send a
// CRLF after a body, and a server should skip it (RFC 9112, section 2.2).
func leadingBlank(b []byte) int {
	n := 0
	for {
		switch {
		case bytes.HasPrefix(b[n:], []byte("\r\n")):
			n += 2
		case bytes.HasPrefix(b[n:], []byte("\n")):
			n++
		default:
			return n
		}
	}
}

// parseRequest reads a request head (as headEnd delimits it). It returns 0
// and the request, or the status a malformed head gets: 400, or 505 for an
// HTTP version other than 1.0 and 1.1.
func parseRequest(head []byte) (request, int) {
	var req request
	line, rest := cutLine(head)
	method, line, ok1 := bytes.Cut(line, []byte(" "))
	target, version, ok2 := bytes.Cut(line, []byte(" "))
	if !ok1 || !ok2 || !isToken(method) || len(target) == 0 {
		return req, http.StatusBadRequest
	}
	switch string(version) {
	case "HTTP/1.1":
	case "HTTP/1.0":
		req.http10 = true
	default:
		if len(version) == len("HTTP/x.y") && bytes.HasPrefix(version, []byte("HTTP/")) && version[6] == '.' {
			return req, http.StatusHTTPVersionNotSupported
		}
		return req, http.StatusBadRequest
	}
	path, ok := requestPath(target)
	if !ok {
		return req, http.StatusBadRequest
	}
	switch string(method) { // constant strings: no allocation for the usual two
	case http.MethodGet:
		req.method = http.MethodGet
	case http.MethodHead:
		req.method = http.MethodHead
	default:
		req.method = string(method)
	}
	req.path = string(path)

	keepAlive := false
	for len(rest) > 0 {
		line, rest = cutLine(rest)
		if len(line) == 0 {
			break // the blank line
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || !isToken(name) { // also refuses folded lines and "Name :"
			return req, http.StatusBadRequest
		}
		value = bytes.Trim(value, " \t")
		switch {
		case bytes.EqualFold(name, []byte("Connection")):
			for tok := range bytes.SplitSeq(value, []byte(",")) {
				tok = bytes.Trim(tok, " \t")
				req.close = req.close || bytes.EqualFold(tok, []byte("close"))
				keepAlive = keepAlive || bytes.EqualFold(tok, []byte("keep-alive"))
			}
		case bytes.EqualFold(name, []byte("Content-Length")):
			n, err := strconv.ParseUint(string(value), 10, 63)
			if err != nil {
				return req, http.StatusBadRequest
			}
			req.body = req.body || n > 0
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			req.body = true
		}
	}
	if req.http10 && !keepAlive {
		req.close = true
	}
	return req, 0
}

// cutLine returns b's first line without its line end, and the rest.
func cutLine(b []byte) (line, rest []byte) {
	line, rest, _ = bytes.Cut(b, []byte("\n"))
	return bytes.TrimSuffix(line, []byte("\r")), rest
}

// requestPath returns the path of a request target: an origin form
// ("/flags/br/br.gif?x"), an absolute form ("http://host/flags/"), or "*".
// The path stays escaped; the site matches it as it came.
func requestPath(target []byte) ([]byte, bool) {
	switch {
	case target[0] == '/':
	case string(target) == "*":
		return target, true
	default:
		i := bytes.Index(target, []byte("://"))
		if i <= 0 || !isScheme(target[:i]) {
			return nil, false
		}
		target = target[i+3:]
		j := bytes.IndexByte(target, '/')
		if j < 0 {
			return []byte("/"), true
		}
		target = target[j:]
	}
	if i := bytes.IndexAny(target, "?#"); i >= 0 {
		target = target[:i]
	}
	for _, c := range target {
		if c <= ' ' || c >= 0x7f {
			return nil, false
		}
	}
	return target, true
}

func isScheme(b []byte) bool {
	return bytes.EqualFold(b, []byte("http")) || bytes.EqualFold(b, []byte("https"))
}

// isToken reports whether b is a non-empty HTTP token (RFC 9110, 5.6.2).
func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c >= 0x80 || !tokenChar[c] {
			return false
		}
	}
	return true
}

var tokenChar = func() (t [128]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()
