package wire

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
)

// DefaultMaxHead bounds a head (start line and header lines) when the caller
// passes no limit; it is also what keeps a connection's memory bounded.
const DefaultMaxHead = 64 << 10

// maxChunkLine bounds one chunk-size line, extensions included.
const maxChunkLine = 4 << 10

// ErrHeadTooLarge reports a head longer than the limit.
var ErrHeadTooLarge = &ProtocolError{Status: 431, Msg: "head too large"}

// ProtocolError is a message this package refuses to frame. Status is the
// HTTP status a server would answer a client with: 400, 431, 501 or 505.
type ProtocolError struct {
	Status int
	Msg    string
}

func (e *ProtocolError) Error() string { return "malformed http: " + e.Msg }

func malformed(msg string) error { return &ProtocolError{Status: 400, Msg: msg} }

// IsProtocolError reports whether err is (or wraps) a *ProtocolError.
func IsProtocolError(err error) bool {
	var pe *ProtocolError
	return errors.As(err, &pe)
}

// fields are what a head's header lines say about framing and reuse.
type fields struct {
	contentLength int64 // -1 when absent
	chunked       bool  // Transfer-Encoding's last coding is chunked
	otherCoding   bool  // Transfer-Encoding present with a coding other than chunked last
	hasTE         bool
	close         bool   // Connection: close
	keepAlive     bool   // Connection: keep-alive
	upgrade       bool   // Connection: upgrade
	expect100     bool   // Expect: 100-continue
	host          []byte // the Host value, in the head's storage
}

// headReader yields the lines of one head. When the reader's buffer already
// holds the whole head (the usual case: a head arrives in one segment), the
// head is copied to *head in one piece and its lines are cut from there;
// otherwise lines are read one by one as they arrive.
type headReader struct {
	br   *bufio.Reader
	head *[]byte
	max  int
	// partial, when not nil, is called when the head has begun but is not
	// all buffered yet.
	partial func()
	whole   int // length of the whole head found buffered in br, 0 in line mode
	off     int // where the next line starts in *head, in whole mode

	// In whole mode, where the first lines end (just past their LF), noted
	// by the scan that found the head so that lines are not looked for twice.
	ends  [24]int32
	nends int
	next  int
}

// begin waits for the first bytes of a head and looks for all of it in the
// buffer. It returns io.EOF when the input ends cleanly before any byte.
func (h *headReader) begin() error {
	if h.br.Buffered() == 0 {
		if _, err := h.br.Peek(1); err != nil && h.br.Buffered() == 0 {
			return err
		}
	}
	if n := h.wholeHead(); n > 0 {
		p, _ := h.br.Peek(n)
		*h.head = append(*h.head, p...)
		h.whole = n
	} else if h.partial != nil {
		h.partial()
	}
	return nil
}

// wholeHead returns the length of a head (start line through the empty
// line, at most max bytes) that br holds whole, or 0. A head starting with
// an empty line is left to line mode, which knows what to do with it.
func (h *headReader) wholeHead() int {
	p, _ := h.br.Peek(h.br.Buffered())
	if len(p) == 0 || p[0] == '\r' || p[0] == '\n' {
		return 0
	}
	for i := 0; ; {
		j := bytes.IndexByte(p[i:], '\n')
		if j < 0 {
			return 0
		}
		line := p[i : i+j]
		i += j + 1
		if i > h.max {
			return 0
		}
		if h.nends < len(h.ends) {
			h.ends[h.nends] = int32(i)
			h.nends++
		}
		if len(line) == 0 || len(line) == 1 && line[0] == '\r' {
			return i
		}
	}
}

// line returns the next line without its line ending; see readLine.
func (h *headReader) line() ([]byte, error) {
	if h.whole == 0 {
		return readLine(h.br, h.head, h.max)
	}
	var end int
	if h.next < h.nends {
		end = int(h.ends[h.next])
		h.next++
	} else {
		end = h.off + bytes.IndexByte((*h.head)[h.off:], '\n') + 1 // there is one: the head is whole
	}
	line := (*h.head)[h.off : end-1]
	h.off = end
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// consume drops a whole head from br once it is parsed.
func (h *headReader) consume() {
	if h.whole > 0 {
		h.br.Discard(h.whole)
	}
}

// readLine appends the next line (LF included) to *head and returns the line
// without its line ending. It enforces that len(*head) stays within max.
// At a clean end of input before any byte it returns io.EOF.
func readLine(br *bufio.Reader, head *[]byte, max int) ([]byte, error) {
	start := len(*head)
	for {
		frag, err := br.ReadSlice('\n')
		if len(*head)+len(frag) > max {
			return nil, ErrHeadTooLarge
		}
		*head = append(*head, frag...)
		switch {
		case err == nil:
			line := (*head)[start : len(*head)-1]
			if n := len(line); n > 0 && line[n-1] == '\r' {
				line = line[:n-1]
			}
			return line, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if len(*head) == start {
				return nil, io.EOF
			}
			return nil, io.ErrUnexpectedEOF
		default:
			return nil, err
		}
	}
}

// readHeaders reads header lines up to and including the empty line.
func readHeaders(h *headReader) (fields, error) {
	f := fields{contentLength: -1}
	for {
		line, err := h.line()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return f, err
		}
		if len(line) == 0 {
			return f, nil
		}
		if err := f.add(line); err != nil {
			return f, err
		}
	}
}

func (f *fields) add(line []byte) error {
	if line[0] == ' ' || line[0] == '\t' {
		return malformed("obsolete line folding")
	}
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return malformed("header line without a name")
	}
	name := line[:colon]
	if !isToken(name) {
		return malformed("bad header name")
	}
	value := trimOWS(line[colon+1:])
	if !validValue(value) {
		return malformed("control character in a header value")
	}
	// Only a few names matter for framing; their lengths tell them apart
	// before any comparison.
	switch len(name) {
	case len("content-length"):
		if equalFold(name, "content-length") {
			return f.addContentLength(value)
		}
	case len("transfer-encoding"):
		if equalFold(name, "transfer-encoding") {
			f.hasTE = true
			f.chunked, f.otherCoding = false, false
			for rest := value; len(rest) > 0; {
				var coding []byte
				coding, rest = nextItem(rest)
				if len(coding) == 0 {
					continue
				}
				f.chunked = equalFold(coding, "chunked")
				f.otherCoding = !f.chunked
			}
		}
	case len("connection"):
		if equalFold(name, "connection") {
			for rest := value; len(rest) > 0; {
				var tok []byte
				tok, rest = nextItem(rest)
				switch {
				case equalFold(tok, "close"):
					f.close = true
				case equalFold(tok, "keep-alive"):
					f.keepAlive = true
				case equalFold(tok, "upgrade"):
					f.upgrade = true
				}
			}
		}
	case len("expect"):
		if equalFold(name, "expect") {
			f.expect100 = equalFold(value, "100-continue")
		}
	case len("host"):
		if equalFold(name, "host") {
			f.host = value
		}
	}
	return nil
}

// validValue reports whether a header value is free of control characters
// other than tab. Eight bytes are checked at a time; only a word that may
// hold one is looked at byte by byte.
func validValue(b []byte) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for len(b) >= 8 {
		w := binary.LittleEndian.Uint64(b)
		below := (w - ones*0x20) &^ w & highs // some byte < 0x20
		d := w ^ (ones * 0x7f)
		del := (d - ones) &^ d & highs // some byte == 0x7f
		if below|del != 0 && !validBytes(b[:8]) {
			return false
		}
		b = b[8:]
	}
	return validBytes(b)
}

func validBytes(b []byte) bool {
	for _, c := range b {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// trimOWS drops the optional white space (spaces and tabs) around a value.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// addContentLength accepts repeated or comma-listed lengths only when they
// agree (RFC 9110 §8.6), since disagreeing lengths are a smuggling vector.
func (f *fields) addContentLength(value []byte) error {
	for rest, more := value, true; more; {
		var part []byte
		part, rest, more = bytes.Cut(rest, []byte(","))
		part = trimOWS(part)
		if len(part) == 0 || len(part) > 18 { // 18 digits cannot overflow an int64
			return malformed("bad Content-Length")
		}
		var n int64
		for _, c := range part {
			if c < '0' || c > '9' {
				return malformed("bad Content-Length")
			}
			n = n*10 + int64(c-'0')
		}
		if f.contentLength >= 0 && f.contentLength != n {
			return malformed("conflicting Content-Length")
		}
		f.contentLength = n
	}
	return nil
}

// nextItem splits a comma-separated header value without allocating: the
// first item, trimmed, and what follows its comma.
func nextItem(v []byte) (item, rest []byte) {
	item, rest, _ = bytes.Cut(v, []byte(","))
	return trimOWS(item), rest
}

// parseProto accepts HTTP/1.0 and HTTP/1.1 and gives the minor version.
func parseProto(p []byte) (minor int, ok bool) {
	switch string(p) {
	case "HTTP/1.1":
		return 1, true
	case "HTTP/1.0":
		return 0, true
	}
	return 0, false
}

// isToken reports whether b is a non-empty RFC 9110 token.
func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !tokenChar[c] {
			return false
		}
	}
	return true
}

var tokenChar = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// equalFold compares ASCII case-insensitively without allocating.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c, d := b[i], s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if 'A' <= d && d <= 'Z' {
			d += 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}

// AddHeader returns head with one more header line before its blank line,
// appended to dst (which may be nil). head must be a complete head as read
// by this package.
func AddHeader(dst, head []byte, name, value string) []byte {
	body := head
	// Drop the blank line that ends the head: "\r\n" or "\n".
	if bytes.HasSuffix(body, []byte("\r\n")) {
		body = body[:len(body)-2]
	} else if bytes.HasSuffix(body, []byte("\n")) {
		body = body[:len(body)-1]
	}
	dst = append(dst, body...)
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	dst = append(dst, value...)
	return append(dst, "\r\n\r\n"...)
}
