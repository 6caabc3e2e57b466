package proxy

import (
	"io"
	"net"
	"testing"
	"time"
)

// FuzzClientStream feeds arbitrary bytes to the proxy as a client
// connection: whatever arrives, the proxy must neither panic nor keep the
// connection's goroutine once the client is gone. (The request reader
// itself is fuzzed against net/http in package wire.)
func FuzzClientStream(f *testing.F) {
	for _, s := range []string{
		"GET /size/10 HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
		"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 99\r\n\r\nshort",
		"GET /chunked HTTP/1.0\r\n\r\n",
		"HEAD /size/100 HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi",
		"\x16\x03\x01\x00",
	} {
		f.Add(s)
	}
	b := newBackend(f)
	p, err := New(Config{Backend: b.addr(), Faults: faults(oneFault("error", 20), oneFault("truncate", 20, "bytes", "3"))})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { p.Close() })
	f.Fuzz(func(t *testing.T, in string) {
		c, s := net.Pipe()
		p.ServeConn(s)
		go func() {
			c.Write([]byte(in))
		}()
		c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		io.Copy(io.Discard, c)
		c.Close()
		deadline := time.Now().Add(5 * time.Second)
		for p.active.Load() != 0 {
			if time.Now().After(deadline) {
				t.Fatalf("connection goroutine still running 5s after the client left, input %q", in)
			}
			time.Sleep(time.Millisecond)
		}
	})
}
