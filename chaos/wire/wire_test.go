package wire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

func reader(s string) *bufio.Reader { return bufio.NewReaderSize(strings.NewReader(s), 16) }

func TestRequestRead(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    string
		want  Request
		head  string // "" means the whole input
		after string // what must be left unread
	}{
		{
			name: "get keep-alive",
			in:   "GET /flags/br/br.gif HTTP/1.1\r\nHost: x\r\n\r\n",
			want: Request{Method: "GET", Target: "/flags/br/br.gif", Minor: 1, Host: "x"},
		},
		{
			name: "http/1.0 closes",
			in:   "GET / HTTP/1.0\r\n\r\n",
			want: Request{Method: "GET", Target: "/", Minor: 0, Close: true},
		},
		{
			name: "http/1.0 keep-alive",
			in:   "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
			want: Request{Method: "GET", Target: "/", Minor: 0},
		},
		{
			name:  "content-length body stays unread",
			in:    "POST /x HTTP/1.1\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc",
			want:  Request{Method: "POST", Target: "/x", Minor: 1, ContentLength: 3, Close: true},
			head:  "POST /x HTTP/1.1\r\nContent-Length: 3\r\nConnection: close\r\n\r\n",
			after: "abc",
		},
		{
			name: "chunked",
			in:   "PUT /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
			want: Request{Method: "PUT", Target: "/x", Minor: 1, ContentLength: -1, Chunked: true},
		},
		{
			name: "bare LF and repeated equal lengths",
			in:   "POST /x HTTP/1.1\nContent-Length: 2\ncontent-length: 2, 2\n\n",
			want: Request{Method: "POST", Target: "/x", Minor: 1, ContentLength: 2},
		},
		{
			name: "leading CRLF skipped",
			in:   "\r\n\r\nGET / HTTP/1.1\r\nExpect: 100-continue\r\nConnection: Upgrade\r\n\r\n",
			want: Request{Method: "GET", Target: "/", Minor: 1, Expect100: true, Upgrade: true},
			head: "GET / HTTP/1.1\r\nExpect: 100-continue\r\nConnection: Upgrade\r\n\r\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			br := reader(tt.in)
			var r Request
			if err := r.Read(br, 0); err != nil {
				t.Fatalf("Read(%q) = %v; want nil", tt.in, err)
			}
			head := tt.head
			if head == "" {
				head = tt.in
			}
			if string(r.Head) != head {
				t.Errorf("Head = %q; want %q", r.Head, head)
			}
			got := r
			got.Head, tt.want.Head = nil, nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Read(%q) = %+v; want %+v", tt.in, got, tt.want)
			}
			rest, _ := io.ReadAll(br)
			if string(rest) != tt.after {
				t.Errorf("left %q; want %q", rest, tt.after)
			}
		})
	}
}

func TestRequestReadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     string
		status int // 0: not a protocol error
		err    error
	}{
		{"clean close", "", 0, io.EOF},
		{"cut head", "GET / HTTP/1.1\r\nHost:", 0, io.ErrUnexpectedEOF},
		{"no version", "GET /\r\n\r\n", 400, nil},
		{"http/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505, nil},
		{"bad method", "G@T / HTTP/1.1\r\n\r\n", 400, nil},
		{"space in target", "GET /a b HTTP/1.1\r\n\r\n", 400, nil},
		{"folding", "GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", 400, nil},
		{"space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400, nil},
		{"no colon", "GET / HTTP/1.1\r\nHost\r\n\r\n", 400, nil},
		{"te and cl", "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400, nil},
		{"conflicting cl", "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400, nil},
		{"negative cl", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, nil},
		{"plus cl", "POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\n", 400, nil},
		{"trailing comma cl", "POST / HTTP/1.1\r\nContent-Length: 1,\r\n\r\n", 400, nil},
		{"huge cl", "POST / HTTP/1.1\r\nContent-Length: 9999999999999999999999\r\n\r\n", 400, nil},
		{"gzip te", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501, nil},
		{"te in 1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, nil},
		{"nul in value", "GET / HTTP/1.1\r\nA: b\x00c\r\n\r\n", 400, nil},
		{"too large", "GET / HTTP/1.1\r\nA: " + strings.Repeat("b", 200) + "\r\n\r\n", 431, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Request
			err := r.Read(reader(tt.in), 128)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("Read(%q) = %v; want %v", tt.in, err, tt.err)
				}
				return
			}
			var pe *ProtocolError
			if !errors.As(err, &pe) || pe.Status != tt.status {
				t.Fatalf("Read(%q) = %v; want a protocol error with status %d", tt.in, err, tt.status)
			}
		})
	}
}

func TestRequestPath(t *testing.T) {
	t.Parallel()
	for target, want := range map[string]string{
		"/flags/br/br.gif":             "/flags/br/br.gif",
		"/flags/br/br.gif?x=1":         "/flags/br/br.gif",
		"http://h:1/flags/br/br.gif?x": "/flags/br/br.gif",
		"http://h:1":                   "/",
		"*":                            "*",
		"/a#frag":                      "/a",
	} {
		r := Request{Target: target}
		if got := r.Path(); got != want {
			t.Errorf("Request{Target: %q}.Path() = %q; want %q", target, got, want)
		}
	}
}

func TestKeepAliveSequence(t *testing.T) {
	t.Parallel()
	in := "POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello" +
		"POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: v\r\n\r\n" +
		"GET /c HTTP/1.1\r\n\r\n"
	br := reader(in)
	var r Request
	var b Body
	var out bytes.Buffer
	var targets []string
	for {
		err := r.Read(br, 0)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		targets = append(targets, r.Target)
		out.Write(r.Head)
		if _, err := io.Copy(&out, r.Body(br, &b)); err != nil {
			t.Fatalf("body of %s: %v", r.Target, err)
		}
	}
	if got := strings.Join(targets, " "); got != "/a /b /c" {
		t.Errorf("targets = %q; want %q", got, "/a /b /c")
	}
	if out.String() != in {
		t.Errorf("relayed %q; want the input unchanged %q", out.String(), in)
	}
}

func TestResponseFraming(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		method string
		in     string
		mode   Mode
		length int64
		close  bool
		status int
	}{
		{"length", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n", Length, 12, false, 200},
		{"zero length", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", None, 0, false, 200},
		{"head", "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n", None, 0, false, 200},
		{"no content", "GET", "HTTP/1.1 204 No Content\r\n\r\n", None, 0, false, 204},
		{"not modified", "GET", "HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n", None, 0, false, 304},
		{"continue", "POST", "HTTP/1.1 100 Continue\r\n\r\n", None, 0, false, 100},
		{"chunked", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", Chunked, 0, false, 200},
		{"until close", "GET", "HTTP/1.1 200 OK\r\n\r\n", UntilClose, 0, true, 200},
		{"1.0", "GET", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", Length, 1, true, 200},
		{"connection close", "GET", "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 1\r\n\r\n", Length, 1, true, 503},
		{"no reason", "GET", "HTTP/1.1 418\r\nContent-Length: 1\r\n\r\n", Length, 1, false, 418},
		{"switching", "GET", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n", UntilClose, 0, true, 101},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Response
			if err := r.Read(reader(tt.in), tt.method, 0); err != nil {
				t.Fatalf("Read(%q) = %v", tt.in, err)
			}
			if r.Status != tt.status || r.Mode != tt.mode || r.Length != tt.length && tt.mode == Length || r.Close != tt.close {
				t.Errorf("Read(%q) = status %d mode %v length %d close %v; want %d %v %d %v",
					tt.in, r.Status, r.Mode, r.Length, r.Close, tt.status, tt.mode, tt.length, tt.close)
			}
			if string(r.Head) != tt.in {
				t.Errorf("Head = %q; want %q", r.Head, tt.in)
			}
		})
	}
}

func TestResponseErrors(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/2 200\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
		"ICY 200 OK\r\n\r\n",
	} {
		var r Response
		if err := r.Read(reader(in), "GET", 0); !IsProtocolError(err) {
			t.Errorf("Read(%q) = %v; want a protocol error", in, err)
		}
	}
}

func TestBodyErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mode   Mode
		length int64
		in     string
		proto  bool // a *ProtocolError, else io.ErrUnexpectedEOF
	}{
		{"short length", Length, 10, "abc", false},
		{"cut chunk", Chunked, 0, "5\r\nab", false},
		{"bad size", Chunked, 0, "zz\r\n", true},
		{"size overflow", Chunked, 0, "fffffffffffffffff\r\n", true},
		{"no crlf after data", Chunked, 0, "1\r\naXX\r\n", true},
		{"bad trailer", Chunked, 0, "0\r\nnocolon\r\n\r\n", true},
		{"long size line", Chunked, 0, "1;" + strings.Repeat("x", 5000) + "\r\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b Body
			b.Reset(bufio.NewReader(strings.NewReader(tt.in)), tt.mode, tt.length)
			_, err := io.Copy(io.Discard, &b)
			if tt.proto && !IsProtocolError(err) || !tt.proto && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("reading %q = %v; want protocol error %v", tt.in, err, tt.proto)
			}
		})
	}
}

func TestDiscard(t *testing.T) {
	t.Parallel()
	var b Body
	b.Reset(reader("0123456789rest"), Length, 10)
	if err := b.Discard(100); err != nil {
		t.Fatalf("Discard = %v", err)
	}
	b.Reset(reader("0123456789"), Length, 10)
	if err := b.Discard(5); err == nil {
		t.Fatalf("Discard(5) of 10 bytes = nil; want an error")
	}
}

func TestAddHeader(t *testing.T) {
	t.Parallel()
	for head, want := range map[string]string{
		"HTTP/1.1 200 OK\r\nA: b\r\n\r\n": "HTTP/1.1 200 OK\r\nA: b\r\nX-Chaos-Fault: delay\r\n\r\n",
		"HTTP/1.1 200 OK\nA: b\n\n":       "HTTP/1.1 200 OK\nA: b\nX-Chaos-Fault: delay\r\n\r\n",
	} {
		if got := string(AddHeader(nil, []byte(head), "X-Chaos-Fault", "delay")); got != want {
			t.Errorf("AddHeader(%q) = %q; want %q", head, got, want)
		}
	}
}

// TestResponsePeek checks that a head the reader holds whole is parsed but
// left in the reader, for a relay to send with its body in one write, and
// that a head arriving piecemeal is consumed as Read would.
func TestResponsePeek(t *testing.T) {
	t.Parallel()
	const head = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
	const in = head + "hello"
	t.Run("whole", func(t *testing.T) {
		br := bufio.NewReader(strings.NewReader(in))
		var r Response
		n, err := r.Peek(br, "GET", 0)
		if err != nil || n != len(head) || string(r.Head) != head || r.Length != 5 {
			t.Fatalf("Peek = %d, %v with head %q, length %d; want %d, nil, the head, 5", n, err, r.Head, r.Length, len(head))
		}
		rest, _ := br.Peek(br.Buffered())
		if string(rest) != in {
			t.Errorf("after Peek the reader holds %q; want the whole response %q", rest, in)
		}
	})
	t.Run("piecemeal", func(t *testing.T) {
		br := bufio.NewReader(iotest.OneByteReader(strings.NewReader(in)))
		var r Response
		n, err := r.Peek(br, "GET", 0)
		if err != nil || n != 0 || string(r.Head) != head {
			t.Fatalf("Peek = %d, %v with head %q; want 0, nil, the head", n, err, r.Head)
		}
		body, _ := io.ReadAll(r.Body(br, new(Body)))
		if string(body) != "hello" {
			t.Errorf("body after a consumed head = %q; want hello", body)
		}
	})
}

// TestRequestHostPerRequest checks that the Host kept from one request on a
// connection is not carried into the next: each request reports its own.
func TestRequestHostPerRequest(t *testing.T) {
	t.Parallel()
	const in = "GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /a HTTP/1.1\r\nHost: a\r\n\r\n" +
		"GET /b HTTP/1.1\r\nHost: b\r\n\r\nGET /c HTTP/1.0\r\n\r\n"
	for _, br := range []*bufio.Reader{reader(in), bufio.NewReader(strings.NewReader(in))} {
		var r Request
		var got []string
		for range 4 {
			if err := r.Read(br, 0); err != nil {
				t.Fatal(err)
			}
			got = append(got, r.Target+"@"+r.Host)
		}
		if want := "/a@a /a@a /b@b /c@"; strings.Join(got, " ") != want {
			t.Errorf("requests = %q; want %q", strings.Join(got, " "), want)
		}
	}
}

// TestValidValue checks the word-at-a-time value check against the plain
// one for a forbidden byte at every position of a value longer than a word.
func TestValidValue(t *testing.T) {
	t.Parallel()
	base := []byte("text/html; charset=utf-8 \t\x80\xff")
	if !validValue(base) {
		t.Fatalf("validValue(%q) = false; want true", base)
	}
	for _, bad := range []byte{0, '\r', '\n', 0x1f, 0x7f} {
		for i := range base {
			v := bytes.Clone(base)
			v[i] = bad
			if validValue(v) {
				t.Errorf("validValue accepts %#x at %d in %q", bad, i, v)
			}
		}
	}
}
