package wire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// FuzzRequestRead checks the request reader never panics, never reads past
// its limit, keeps the head byte for byte, and frames bodies the way
// net/http does whenever both accept a request.
func FuzzRequestRead(f *testing.F) {
	for _, s := range []string{
		"GET /flags/br/br.gif HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"PUT /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"GET / HTTP/1.0\r\n\r\n",
		"\r\nGET / HTTP/1.1\nHost: y\n\n",
		"GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\nx",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		const max = 1 << 10
		br := bufio.NewReaderSize(strings.NewReader(in), 64)
		var r Request
		err := r.Read(br, max)
		if err != nil {
			var pe *ProtocolError
			if !errors.As(err, &pe) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("Read(%q) = %v; want a protocol error or EOF", in, err)
			}
			return
		}
		if len(r.Head) > max {
			t.Fatalf("head of %d bytes; limit %d", len(r.Head), max)
		}
		if !strings.Contains(in, string(r.Head)) || !bytes.HasSuffix(r.Head, []byte("\n")) {
			t.Fatalf("Head %q is not a line-ended piece of the input %q", r.Head, in)
		}
		var b Body
		body, berr := io.ReadAll(r.Body(br, &b))
		if r.ContentLength > 0 && berr == nil && int64(len(body)) != r.ContentLength {
			t.Fatalf("body of %d bytes; Content-Length %d", len(body), r.ContentLength)
		}
		// Differential check against net/http on the same bytes.
		hr, herr := http.ReadRequest(bufio.NewReader(strings.NewReader(in)))
		if herr != nil {
			return
		}
		if hr.Method != r.Method || hr.RequestURI != r.Target {
			t.Fatalf("net/http sees %s %s; we see %s %s", hr.Method, hr.RequestURI, r.Method, r.Target)
		}
		chunked := len(hr.TransferEncoding) > 0 && hr.TransferEncoding[0] == "chunked"
		if chunked != r.Chunked || !chunked && hr.ContentLength != r.ContentLength {
			t.Fatalf("net/http frames the body as chunked=%v length=%d; we as chunked=%v length=%d",
				chunked, hr.ContentLength, r.Chunked, r.ContentLength)
		}
	})
}

// FuzzChunkedBody checks that a chunked body is relayed byte for byte: what
// the reader returns is a prefix of the input, and on success net/http's
// own chunked reader agrees the body is complete.
func FuzzChunkedBody(f *testing.F) {
	for _, s := range []string{
		"3\r\nabc\r\n0\r\n\r\n",
		"3;ext=1\r\nabc\r\n0\r\nTrailer: x\r\n\r\n",
		"A\r\n0123456789\r\n0\r\n\r\nNEXT",
		"1\r\nx\r\n0\r\n\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var b Body
		b.Reset(bufio.NewReaderSize(strings.NewReader(in), 32), Chunked, 0)
		out, err := io.ReadAll(&b)
		if !strings.HasPrefix(in, string(out)) {
			t.Fatalf("relayed %q is not a prefix of the input %q", out, in)
		}
		if err != nil {
			return
		}
		if !b.Done() {
			t.Fatalf("ReadAll ended without error but the body is not done")
		}
		// Our framing must end where an HTTP response parser says it ends.
		resp := "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + string(out)
		hr, herr := http.ReadResponse(bufio.NewReader(strings.NewReader(resp)), nil)
		if herr != nil {
			return
		}
		if _, err := io.ReadAll(hr.Body); err != nil {
			t.Fatalf("net/http cannot read the chunked body %q we accepted: %v", out, err)
		}
	})
}

// FuzzHeadModes checks that a head found whole in the reader's buffer (read
// in one piece) and the same head read line by line (as its bytes trickle
// in) give the same requests, responses, bodies and errors, message after
// message on one connection.
func FuzzHeadModes(f *testing.F) {
	for _, s := range []string{
		"GET /flags/br/br.gif HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"\r\nGET / HTTP/1.1\nHost: y\n\n\r\n\r\nGET / HTTP/1.0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"HTTP/1.0 200 OK\nContent-Length: 1, 1\n\nx",
		"GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		const max = 1 << 10
		type result struct {
			Req  Request
			Resp Response
			Body string
			Err  string
		}
		run := func(r io.Reader) []result {
			br := bufio.NewReaderSize(r, 64<<10)
			var out []result
			for range 8 {
				var res result
				var b Body
				var err error
				if strings.HasPrefix(in, "HTTP/") {
					if err = res.Resp.Read(br, "GET", max); err == nil {
						res.Resp.Head = bytes.Clone(res.Resp.Head)
						var body []byte
						body, err = io.ReadAll(res.Resp.Body(br, &b))
						res.Body = string(body)
					}
				} else if err = res.Req.Read(br, max); err == nil {
					res.Req.Head = bytes.Clone(res.Req.Head)
					var body []byte
					body, err = io.ReadAll(res.Req.Body(br, &b))
					res.Body = string(body)
				}
				if err != nil {
					// After an error the head holds whatever was read so
					// far, which differs between the modes by design.
					res.Err = err.Error()
					res.Req.Head, res.Resp.Head = nil, nil
				}
				out = append(out, res)
				if err != nil {
					break
				}
			}
			return out
		}
		// Bytes that arrive one at a time never hold a whole head.
		whole, lines := run(strings.NewReader(in)), run(iotest.OneByteReader(strings.NewReader(in)))
		if !reflect.DeepEqual(whole, lines) {
			t.Fatalf("input %q:\nwhole heads: %+v\nline by line: %+v", in, whole, lines)
		}
	})
}

// FuzzValidValue checks the word-at-a-time value check against the plain
// byte loop.
func FuzzValidValue(f *testing.F) {
	f.Add([]byte("Mon, 02 Jan 2006 15:04:05 GMT"))
	f.Add([]byte("a\tb\x7fc"))
	f.Fuzz(func(t *testing.T, v []byte) {
		if got, want := validValue(v), validBytes(v); got != want {
			t.Fatalf("validValue(%q) = %v; the byte loop says %v", v, got, want)
		}
	})
}
