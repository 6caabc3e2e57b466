package wire

import (
	"bufio"
	"strconv"
)

// Response is the head of one HTTP/1.x response and what it implies for its
// body and for the connection.
type Response struct {
	Status int
	Minor  int
	Mode   Mode  // how the body is framed
	Length int64 // body length when Mode is Length
	Close  bool  // the server will close (or asked to close) after this response

	// Head holds the raw status line and header lines, blank line included,
	// exactly as received; it is reused by the next Read.
	Head []byte
}

// Read reads the next response head from br for a request with the given
// method, reusing r's storage; max bounds the head (DefaultMaxHead when
// max <= 0). Interim 1xx responses are returned like any other: the caller
// relays them and reads again.
func (r *Response) Read(br *bufio.Reader, method string, max int) error {
	n, err := r.Peek(br, method, max)
	if n > 0 {
		br.Discard(n)
	}
	return err
}

// Peek is Read that leaves the head in br when br held all of it: it
// returns how many bytes at the start of br's buffer are that head (the
// body, or its start, follows them), so that a relay can send head and body
// in one write from br's buffer. It returns 0 when the head was read line by
// line, and consumed. Either way r.Head holds a copy of the head.
func (r *Response) Peek(br *bufio.Reader, method string, max int) (int, error) {
	if max <= 0 {
		max = DefaultMaxHead
	}
	*r = Response{Head: r.Head[:0]}
	h := headReader{br: br, head: &r.Head, max: max}
	if err := h.begin(); err != nil {
		return 0, err
	}
	line, err := h.line()
	if err != nil {
		return 0, err
	}
	if err := r.parseLine(line); err != nil {
		return 0, err
	}
	f, err := readHeaders(&h)
	if err != nil {
		return 0, err
	}
	r.frame(f, method)
	if err := r.check(f); err != nil {
		return 0, err
	}
	return h.whole, nil
}

func (r *Response) parseLine(line []byte) error {
	// "HTTP/1.1 200 OK"; the reason phrase may be empty, even its space.
	if len(line) < 12 || line[8] != ' ' || len(line) > 12 && line[12] != ' ' {
		return malformed("bad status line")
	}
	minor, ok := parseProto(line[:8])
	if !ok {
		return malformed("bad status line protocol")
	}
	code := line[9:12]
	for _, c := range code {
		if c < '0' || c > '9' {
			return malformed("bad status code")
		}
	}
	r.Minor = minor
	r.Status, _ = strconv.Atoi(string(code))
	if r.Status < 100 {
		return malformed("bad status code")
	}
	return nil
}

// frame applies RFC 9112 §6.3 to decide where the body ends.
func (r *Response) frame(f fields, method string) {
	r.Close = f.close || r.Minor == 0 && !f.keepAlive
	switch {
	case r.Status < 200 && r.Status != 101:
		r.Mode = None
	case method == "HEAD" || r.Status == 204 || r.Status == 304:
		r.Mode = None
	case r.Status == 101 || method == "CONNECT" && r.Status < 300:
		r.Mode, r.Close = UntilClose, true // the connection becomes a tunnel
	case f.hasTE && f.chunked:
		r.Mode = Chunked
	case f.hasTE:
		r.Mode, r.Close = UntilClose, true
	case f.contentLength >= 0:
		r.Mode, r.Length = Length, f.contentLength
		if r.Length == 0 {
			r.Mode = None
		}
	default:
		r.Mode, r.Close = UntilClose, true
	}
}

func (r *Response) check(f fields) error {
	if f.hasTE && f.contentLength >= 0 && r.Mode != None {
		return malformed("both Transfer-Encoding and Content-Length")
	}
	return nil
}

// Interim reports whether this is a 1xx response other than 101, after
// which the final response follows.
func (r *Response) Interim() bool { return r.Status >= 100 && r.Status < 200 && r.Status != 101 }

// Body returns a reader of the raw response body as framed on the wire.
func (r *Response) Body(br *bufio.Reader, b *Body) *Body {
	b.Reset(br, r.Mode, r.Length)
	return b
}
