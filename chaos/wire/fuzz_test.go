package wire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
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
