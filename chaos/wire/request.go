package wire

import (
	"bufio"
	"bytes"
	"strings"
)

// Request is the head of one HTTP/1.x request and what it implies for its
// body and for the connection.
type Request struct {
	Method string
	Target string // as sent: origin-form "/a?b", absolute-form, "*" or authority-form
	Minor  int    // 0 for HTTP/1.0, 1 for HTTP/1.1
	Host   string // the Host header, "" when absent

	// Body framing: Chunked, or ContentLength bytes (0 when there is none).
	ContentLength int64
	Chunked       bool

	Close     bool // the client wants the connection closed after the response
	Expect100 bool // Expect: 100-continue
	Upgrade   bool // Connection: upgrade (e.g. a WebSocket handshake)

	// Head holds the raw bytes of the request line and header lines, blank
	// line included, exactly as received; it is reused by the next Read.
	Head []byte
}

// Read reads the next request head from br, reusing r's storage. max bounds
// the head (DefaultMaxHead when max <= 0). Empty lines before the request
// line are skipped, as RFC 9112 §2.2 allows. Read returns io.EOF when the
// client closed the connection between requests, io.ErrUnexpectedEOF when it
// closed in the middle of a head, and a *ProtocolError for a head that must
// not be forwarded.
func (r *Request) Read(br *bufio.Reader, max int) error { return r.ReadWait(br, max, nil) }

// ReadWait is Read, calling partial (when not nil) once the first bytes of
// the head have arrived without the rest of it: the moment a server starts
// the clock for a head that trickles in. A head that arrives whole, the
// usual case, never calls it.
func (r *Request) ReadWait(br *bufio.Reader, max int, partial func()) error {
	if max <= 0 {
		max = DefaultMaxHead
	}
	// The previous request's target and host are kept to be reused: on a
	// keep-alive connection they often repeat, and then cost no allocation.
	prevTarget, prevHost := r.Target, r.Host
	*r = Request{Head: r.Head[:0], Target: prevTarget, Host: prevHost}
	h := headReader{br: br, head: &r.Head, max: max, partial: partial}
	if err := h.begin(); err != nil {
		return err
	}
	var line []byte
	for {
		var err error
		line, err = h.line()
		if err != nil {
			return err
		}
		if len(line) > 0 {
			break
		}
		// A stray CRLF between requests (line mode only): forget it, but
		// count it.
		h.max -= len(r.Head)
		r.Head = r.Head[:0]
		if h.max <= 0 {
			return ErrHeadTooLarge
		}
	}
	if err := r.parseLine(line); err != nil {
		return err
	}
	f, err := readHeaders(&h)
	if err != nil {
		return err
	}
	h.consume()
	return r.frame(f)
}

func (r *Request) parseLine(line []byte) error {
	sp1 := bytes.IndexByte(line, ' ')
	if sp1 < 0 {
		return malformed("bad request line")
	}
	rest := line[sp1+1:]
	sp2 := bytes.IndexByte(rest, ' ')
	if sp2 < 0 {
		return malformed("bad request line")
	}
	method, target, proto := line[:sp1], rest[:sp2], rest[sp2+1:]
	if !isToken(method) {
		return malformed("bad method")
	}
	if len(target) == 0 {
		return malformed("empty request target")
	}
	for _, c := range target {
		if c <= ' ' || c == 0x7f {
			return malformed("bad request target")
		}
	}
	minor, ok := parseProto(proto)
	if !ok {
		if bytes.HasPrefix(proto, []byte("HTTP/")) {
			return &ProtocolError{Status: 505, Msg: "unsupported protocol version " + string(proto)}
		}
		return malformed("bad protocol")
	}
	r.Method, r.Minor = internMethod(method), minor
	if string(target) != r.Target {
		r.Target = string(target)
	}
	return nil
}

func (r *Request) frame(f fields) error {
	if string(f.host) != r.Host {
		r.Host = string(f.host)
	}
	r.Expect100 = f.expect100
	r.Upgrade = f.upgrade
	r.Close = f.close || r.Minor == 0 && !f.keepAlive
	switch {
	case f.hasTE && f.contentLength >= 0:
		return malformed("both Transfer-Encoding and Content-Length")
	case f.hasTE && r.Minor == 0:
		return malformed("Transfer-Encoding in an HTTP/1.0 request")
	case f.hasTE && !f.chunked:
		return &ProtocolError{Status: 501, Msg: "unsupported Transfer-Encoding"}
	case f.hasTE:
		r.Chunked, r.ContentLength = true, -1
	case f.contentLength >= 0:
		r.ContentLength = f.contentLength
	}
	return nil
}

// HasBody reports whether a body follows the head.
func (r *Request) HasBody() bool { return r.Chunked || r.ContentLength > 0 }

// Path returns the path of the target without its query: "/flags/br/br.gif"
// for both "/flags/br/br.gif?x=1" and "http://host/flags/br/br.gif".
func (r *Request) Path() string {
	t := r.Target
	if i := strings.Index(t, "://"); i >= 0 && !strings.HasPrefix(t, "/") {
		t = t[i+3:]
		if j := strings.IndexByte(t, '/'); j >= 0 {
			t = t[j:]
		} else {
			t = "/"
		}
	}
	if i := strings.IndexAny(t, "?#"); i >= 0 {
		t = t[:i]
	}
	return t
}

// Body returns a reader of the raw request body as framed on the wire.
func (r *Request) Body(br *bufio.Reader, b *Body) *Body {
	switch {
	case r.Chunked:
		b.Reset(br, Chunked, -1)
	case r.ContentLength > 0:
		b.Reset(br, Length, r.ContentLength)
	default:
		b.Reset(br, None, 0)
	}
	return b
}

// internMethod returns the common methods without allocating a string.
func internMethod(m []byte) string {
	switch string(m) {
	case "GET":
		return "GET"
	case "HEAD":
		return "HEAD"
	case "POST":
		return "POST"
	case "PUT":
		return "PUT"
	case "DELETE":
		return "DELETE"
	}
	return string(m)
}
