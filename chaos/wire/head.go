package wire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
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
	close         bool // Connection: close
	keepAlive     bool // Connection: keep-alive
	upgrade       bool // Connection: upgrade
	expect100     bool // Expect: 100-continue
	host          string
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
func readHeaders(br *bufio.Reader, head *[]byte, max int) (fields, error) {
	f := fields{contentLength: -1}
	for {
		line, err := readLine(br, head, max)
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
	value := bytes.Trim(line[colon+1:], " \t")
	for _, c := range value {
		if c < ' ' && c != '\t' || c == 0x7f {
			return malformed("control character in a header value")
		}
	}
	switch {
	case equalFold(name, "content-length"):
		return f.addContentLength(value)
	case equalFold(name, "transfer-encoding"):
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
	case equalFold(name, "connection"):
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
	case equalFold(name, "expect"):
		f.expect100 = equalFold(value, "100-continue")
	case equalFold(name, "host"):
		f.host = string(value)
	}
	return nil
}

// addContentLength accepts repeated or comma-listed lengths only when they
// agree (RFC 9110 §8.6), since disagreeing lengths are a smuggling vector.
func (f *fields) addContentLength(value []byte) error {
	for rest, more := value, true; more; {
		var part []byte
		part, rest, more = bytes.Cut(rest, []byte(","))
		part = bytes.Trim(part, " \t")
		if len(part) == 0 || len(part) > 18 {
			return malformed("bad Content-Length")
		}
		for _, c := range part {
			if c < '0' || c > '9' {
				return malformed("bad Content-Length")
			}
		}
		n, err := strconv.ParseInt(string(part), 10, 64)
		if err != nil {
			return malformed("bad Content-Length")
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
	return bytes.Trim(item, " \t"), rest
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
