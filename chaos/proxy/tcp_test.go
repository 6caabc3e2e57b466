package proxy

import (
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"flagsuite/chaos/fault"
)

// tcpBackend serves each connection with handle on 127.0.0.1:0.
func tcpBackend(t testing.TB, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				handle(c)
			}()
		}
	}()
	return ln.Addr().String()
}

func echo(c net.Conn) { io.Copy(c, c) }

// sender writes n bytes of body(n) on connect, then closes.
func sender(n int) func(net.Conn) {
	return func(c net.Conn) { c.Write(body(n)) }
}

func startTCP(t testing.TB, backendAddr string, faults ...fault.Config) *Proxy {
	t.Helper()
	return start(t, Config{Protocol: fault.TCP, Backend: backendAddr, Faults: faults})
}

// readAll connects through p and reads until EOF or error, timing it.
func readAll(t *testing.T, p *Proxy) ([]byte, time.Duration, error) {
	t.Helper()
	// The clock starts before the dial: the proxy may accept, and start a
	// fault's timer, before Dial returns here.
	start := time.Now()
	c, err := net.Dial("tcp", p.Addr().String())
	if err != nil {
		// A reset_peer at 0 can reset the connection before the dialler
		// checks it is up: that is a reset too.
		return nil, 0, err
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(c)
	return got, time.Since(start), err
}

func TestTCPPass(t *testing.T) {
	t.Parallel()
	p := startTCP(t, tcpBackend(t, echo))
	c, err := net.Dial("tcp", p.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msg := body(100_000)
	go func() {
		c.Write(msg)
		c.(*net.TCPConn).CloseWrite() // the half-close must travel through
	}()
	got, err := io.ReadAll(c)
	if err != nil || string(got) != string(msg) {
		t.Fatalf("echo through the proxy: %d bytes, %v; want %d back then EOF", len(got), err, len(msg))
	}
	if s := p.Stats(); s.Connections != 1 {
		t.Errorf("Stats().Connections = %d; want 1", s.Connections)
	}
}

func TestTCPRefusedBackend(t *testing.T) {
	t.Parallel()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close()
	p := startTCP(t, dead)
	_, d, err := readAll(t, p)
	if err != nil || d > 3*time.Second {
		t.Errorf("read through a proxy to a dead backend: %v after %v; want a prompt close", err, d)
	}
}

func TestTCPLatency(t *testing.T) {
	t.Parallel()
	p := startTCP(t, tcpBackend(t, sender(10)), oneFault("latency", 100, "latency", "0.1"))
	got, d, err := readAll(t, p)
	if err != nil || len(got) != 10 || d < 100*time.Millisecond || d > 5*time.Second {
		t.Errorf("latency .1: %d bytes, %v after %v; want 10 bytes after 100ms", len(got), err, d)
	}
}

func TestTCPLatencyUpstream(t *testing.T) {
	t.Parallel()
	p := startTCP(t, tcpBackend(t, echo), oneFault("latency", 100, "latency", "0.05", "stream", "both"))
	c, err := net.Dial("tcp", p.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	c.Write([]byte("ping"))
	buf := make([]byte, 4)
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 100*time.Millisecond || d > 5*time.Second {
		t.Errorf("round trip with 50ms each way took %v; want at least 100ms", d)
	}
}

func TestTCPBandwidth(t *testing.T) {
	t.Parallel()
	p := startTCP(t, tcpBackend(t, sender(25_000)), oneFault("bandwidth", 100, "rate", "50k"))
	got, d, err := readAll(t, p)
	if err != nil || len(got) != 25_000 || d < 350*time.Millisecond || d > 5*time.Second {
		t.Errorf("bandwidth 50k: %d bytes, %v after %v; want 25000 after about 0.45s", len(got), err, d)
	}
}

func TestTCPSlicer(t *testing.T) {
	t.Parallel()
	p := startTCP(t, tcpBackend(t, sender(100)), oneFault("slicer", 100, "average-size", "10", "size-variation", "0", "delay", "0.01"))
	got, d, err := readAll(t, p)
	if err != nil || string(got) != string(body(100)) || d < 90*time.Millisecond {
		t.Errorf("slicer: %d bytes, %v after %v; want the 100 bytes in 10 slices 10ms apart", len(got), err, d)
	}
}

func TestTCPLimitData(t *testing.T) {
	t.Parallel()
	p := startTCP(t, tcpBackend(t, func(c net.Conn) {
		c.Write(body(1000))
		io.Copy(io.Discard, c) // keep the connection open: the proxy must close it
	}), oneFault("limit_data", 100, "bytes", "100"))
	got, d, err := readAll(t, p)
	if err != nil || string(got) != string(body(100)) || d > time.Second {
		t.Errorf("limit_data 100: %d bytes, %v after %v; want 100 bytes then a prompt close", len(got), err, d)
	}
}

func TestTCPSlowClose(t *testing.T) {
	t.Parallel()
	p := startTCP(t, tcpBackend(t, sender(5)), oneFault("slow_close", 100, "delay", "0.2"))
	got, d, err := readAll(t, p)
	if err != nil || len(got) != 5 || d < 200*time.Millisecond || d > 5*time.Second {
		t.Errorf("slow_close .2: %d bytes, %v, EOF after %v; want 5 bytes and EOF after 200ms", len(got), err, d)
	}
}

func TestTCPTimeout(t *testing.T) {
	t.Parallel()
	p := startTCP(t, tcpBackend(t, sender(5)), oneFault("timeout", 100, "timeout", "0.2"))
	got, d, _ := readAll(t, p)
	if len(got) != 0 || d < 200*time.Millisecond || d > 5*time.Second {
		t.Errorf("timeout .2: %d bytes, closed after %v; want nothing and a close after 200ms", len(got), d)
	}
}

func TestTCPTimeoutForeverEndsWithClient(t *testing.T) {
	t.Parallel()
	p := startTCP(t, tcpBackend(t, sender(5)), oneFault("timeout", 100))
	c, err := net.Dial("tcp", p.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, _ := c.Read(make([]byte, 10)); n != 0 {
		t.Fatalf("timeout 0 let %d bytes through", n)
	}
	c.Close()
	done := make(chan struct{})
	go func() { p.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("proxy still busy with a connection whose client left")
	}
}

// reset_peer, as in Toxiproxy, resets the connection once data comes on its
// stream (and drops that data).
func TestTCPResetPeer(t *testing.T) {
	t.Parallel()
	p := startTCP(t, tcpBackend(t, func(c net.Conn) { c.Write(body(5)); io.Copy(io.Discard, c) }), oneFault("reset_peer", 100))
	_, _, err := readAll(t, p)
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("reset_peer: %v; want connection reset by peer", err)
	}
}

func TestTCPPerConnectionToxicity(t *testing.T) {
	t.Parallel()
	p := startTCP(t, tcpBackend(t, sender(10)), oneFault("reset_peer", 50))
	resets := 0
	const n = 200
	for range n {
		_, _, err := readAll(t, p)
		if errors.Is(err, syscall.ECONNRESET) {
			resets++
		}
	}
	if resets < 60 || resets > 140 {
		t.Errorf("50:reset_peer reset %d of %d connections; want about half", resets, n)
	}
	if s := p.Stats(); s.Connections != n || s.Faults["reset_peer"] != int64(resets) {
		t.Errorf("Stats() = %+v; want %d connections, %d reset_peer", s, n, resets)
	}
}
