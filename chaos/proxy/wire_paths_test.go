package proxy

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Framing cases a proxy that parses requests must get right.

func TestPipelinedRequests(t *testing.T) {
	t.Parallel()
	b := newBackend(t)
	p := startHTTP(t, b, oneFault("error", 0))
	rc := dialRaw(t, p.Addr().String())
	// Three requests in one write, one with a body.
	rc.Write([]byte("GET /a HTTP/1.1\r\nHost: x\r\n\r\n" +
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello" +
		"GET /b HTTP/1.1\r\nHost: x\r\n\r\n"))
	for _, want := range []string{"hello /a", "hello", "hello /b"} {
		resp, err := http.ReadResponse(rc.br, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		if string(got) != want {
			t.Errorf("pipelined response %q; want %q", got, want)
		}
	}
}

func TestChunkedRequestBody(t *testing.T) {
	t.Parallel()
	b := newBackend(t)
	p := startHTTP(t, b)
	rc := dialRaw(t, p.Addr().String())
	rc.Write([]byte("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"))
	resp, err := http.ReadResponse(rc.br, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	if string(got) != "abcde" {
		t.Errorf("echo of a chunked body = %q; want abcde", got)
	}
	if resp, _, err := rc.get("/after"); err != nil || resp.StatusCode != 200 {
		t.Errorf("the connection after a chunked body: %v, %v", resp, err)
	}
}

func TestErrorDrainsRequestBody(t *testing.T) {
	t.Parallel()
	b := newBackend(t)
	p := startHTTP(t, b, oneFault("error", 100, "status", "500"))
	rc := dialRaw(t, p.Addr().String())
	rc.Write([]byte("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789GET /y HTTP/1.1\r\nHost: x\r\n\r\n"))
	for range 2 {
		resp, err := http.ReadResponse(rc.br, nil)
		if err != nil || resp.StatusCode != 500 {
			t.Fatalf("response = %v, %v; want 500 for both (the body must not be read as a request)", resp, err)
		}
		io.ReadAll(resp.Body)
	}
}

func TestLargeBody(t *testing.T) {
	t.Parallel()
	b := newBackend(t)
	p := startHTTP(t, b)
	c := client(t, 10*time.Second)
	status, got, err := get(t, c, p.URL()+"/size/3000000")
	if err != nil || status != 200 || got != string(body(3_000_000)) {
		t.Errorf("3 MB through the proxy: %d, %d bytes, %v", status, len(got), err)
	}
}

func TestHTTP10Client(t *testing.T) {
	t.Parallel()
	b := newBackend(t)
	p := startHTTP(t, b)
	c, err := net.Dial("tcp", p.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("GET /old HTTP/1.0\r\n\r\n"))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	all, err := io.ReadAll(c) // the proxy closes after the response
	if err != nil || !strings.HasSuffix(string(all), "hello /old") {
		t.Errorf("HTTP/1.0 exchange = %q, %v; want the response then EOF", all, err)
	}
}

func TestUpgradeTunnel(t *testing.T) {
	t.Parallel()
	b := newBackend(t)
	b.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, brw, _ := w.(http.Hijacker).Hijack()
		defer c.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
		brw.Flush()
		io.Copy(c, brw) // echo everything after the handshake
	})
	p := startHTTP(t, b)
	c, err := net.Dial("tcp", p.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n"))
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("upgrade = %v, %v; want 101", resp, err)
	}
	c.Write([]byte("ping"))
	buf := make([]byte, 4)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(br, buf); err != nil || string(buf) != "ping" {
		t.Errorf("through the tunnel: %q, %v; want ping", buf, err)
	}
}

func TestBackendClosesKeepAlive(t *testing.T) {
	t.Parallel()
	// The backend drops its idle connection between two requests: the
	// proxy dials again instead of failing the second request.
	b := newBackend(t)
	p := startHTTP(t, b)
	rc := dialRaw(t, p.Addr().String())
	if resp, _, err := rc.get("/1"); err != nil || resp.StatusCode != 200 {
		t.Fatal(resp, err)
	}
	// Whether the backend's FIN has reached the proxy yet or not, its
	// reused connection fails (EOF, or a reset on the write), and only a
	// fresh dial answers: no wait is needed for the test to mean something.
	b.CloseClientConnections()
	if resp, _, err := rc.get("/2"); err != nil || resp.StatusCode != 200 {
		t.Errorf("GET after the backend closed its side = %v, %v; want 200", resp, err)
	}
}

// TestResponseInPieces checks both ways a response head is read: whole
// from one segment (then sent from the reader's buffer with the body) and
// line by line when it trickles in one byte per write. The client gets the
// backend's bytes unchanged either way, on one keep-alive connection.
func TestResponseInPieces(t *testing.T) {
	t.Parallel()
	const resp = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Test: yes\r\n\r\nhello"
	backend := tcpBackend(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		for trickle := false; ; trickle = !trickle {
			if _, err := http.ReadRequest(br); err != nil {
				return
			}
			if !trickle {
				c.Write([]byte(resp))
				continue
			}
			for i := range len(resp) {
				if _, err := c.Write([]byte{resp[i]}); err != nil {
					return
				}
			}
		}
	})
	p := start(t, Config{Backend: backend})
	rc := dialRaw(t, p.Addr().String())
	for i := range 4 {
		rc.Write([]byte("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"))
		got := make([]byte, len(resp))
		rc.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.ReadFull(rc.br, got); err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		if string(got) != resp {
			t.Fatalf("response %d = %q; want the backend's %q", i, got, resp)
		}
	}
}

// TestBodyRestAfterHead has the backend send a head and the start of its
// body, and the rest only once the client has that start: the proxy then
// holds a whole head and an empty buffer, and relays the rest as it comes,
// through its buffer when it is short and spliced when it is long.
func TestBodyRestAfterHead(t *testing.T) {
	t.Parallel()
	for _, size := range []int{100, spliceMin + 1} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			const first = "first part "
			rest := strings.Repeat("x", size)
			head := "HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(len(first)+size) + "\r\n\r\n"
			more := make(chan struct{})
			backend := tcpBackend(t, func(c net.Conn) {
				br := bufio.NewReader(c)
				for {
					if _, err := http.ReadRequest(br); err != nil {
						return
					}
					c.Write([]byte(head + first))
					select {
					case <-more:
					case <-time.After(10 * time.Second):
						return
					}
					c.Write([]byte(rest))
				}
			})
			p := start(t, Config{Backend: backend})
			rc := dialRaw(t, p.Addr().String())
			for i := range 2 { // and the connection stays usable
				rc.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
				rc.SetReadDeadline(time.Now().Add(10 * time.Second))
				got := make([]byte, len(head)+len(first))
				if _, err := io.ReadFull(rc.br, got); err != nil || string(got) != head+first {
					t.Fatalf("response %d starts %q, %v; want %q", i, got, err, head+first)
				}
				more <- struct{}{}
				got = make([]byte, size)
				if n, err := io.ReadFull(rc.br, got); err != nil || string(got) != rest {
					t.Fatalf("response %d: got %d bytes of the rest, %v; want %d x's", i, n, err, size)
				}
			}
		})
	}
}
