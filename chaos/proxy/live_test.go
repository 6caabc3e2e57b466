package proxy

import (
	"errors"
	"io"
	"net"
	"testing"
	"testing/synctest"
	"time"

	"flagsuite/chaos/fault"
)

// tcpBubble is a proxy in Toxiproxy's mode (protocol decided by the toxics)
// in front of an echo backend, all in memory inside a synctest bubble.
func tcpBubble(t *testing.T) (*Proxy, net.Conn) {
	ln := newPipeListener()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	p, err := New(Config{Protocol: fault.Any, Backend: "backend:80", Dial: ln.dial})
	if err != nil {
		t.Fatal(err)
	}
	c, s := net.Pipe()
	p.ServeConn(s)
	t.Cleanup(func() {
		c.Close()
		p.Close()
		ln.Close()
	})
	return p, c
}

// echoTime sends a ping through c and returns how long the echo took.
func echoTime(t *testing.T, c net.Conn) time.Duration {
	t.Helper()
	start := time.Now()
	go c.Write([]byte("ping"))
	buf := make([]byte, 4)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("echo = %q, %v", buf, err)
	}
	return time.Since(start)
}

// Issue 17: a toxic added while a connection is open reaches it, as in
// Toxiproxy (before, the open connection kept its fate: 0.4 ms after
// adding 300 ms). Toxics stack, two of one type included, and removing
// them restores the connection.
func TestSynctestLiveToxicsOnOpenConnection(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p, c := tcpBubble(t)
		if d := echoTime(t, c); d != 0 {
			t.Fatalf("echo without toxics took %v; want 0", d)
		}
		if _, err := p.AddToxic(fault.Toxic{Type: "latency", Stream: "downstream", Toxicity: 1, Attributes: fault.Attributes{"latency": 300}}); err != nil {
			t.Fatal(err)
		}
		if d := echoTime(t, c); d != 300*time.Millisecond {
			t.Errorf("after adding 300ms of latency, the open connection's echo took %v; want 300ms", d)
		}
		if _, err := p.AddToxic(fault.Toxic{Name: "more", Type: "latency", Stream: "upstream", Toxicity: 1, Attributes: fault.Attributes{"latency": 200}}); err != nil {
			t.Fatal(err)
		}
		if d := echoTime(t, c); d != 500*time.Millisecond {
			t.Errorf("with 300ms down and 200ms up, the echo took %v; want 500ms", d)
		}
		if _, err := p.UpdateToxic("more", fault.Attributes{"latency": 50}, nil); err != nil {
			t.Fatal(err)
		}
		if d := echoTime(t, c); d != 350*time.Millisecond {
			t.Errorf("after updating up to 50ms, the echo took %v; want 350ms", d)
		}
		for _, name := range []string{"latency_downstream", "more"} {
			if err := p.RemoveToxic(name); err != nil {
				t.Fatal(err)
			}
		}
		if d := echoTime(t, c); d != 0 {
			t.Errorf("after removing the toxics, the echo took %v; want 0", d)
		}
		if s := p.Stats(); s.Faults["latency_downstream"] != 1 || s.Faults["more"] != 1 {
			t.Errorf("Stats().Faults = %v; want each latency counted once for the connection", s.Faults)
		}
	})
}

// A timeout toxic holds the data back; removing it closes the connection,
// as Toxiproxy does (the data it dropped is gone).
func TestSynctestTimeoutAddedThenRemoved(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p, c := tcpBubble(t)
		echoTime(t, c)
		if _, err := p.AddToxic(fault.Toxic{Type: "timeout", Stream: "upstream", Toxicity: 1}); err != nil {
			t.Fatal(err)
		}
		go c.Write([]byte("lost"))
		c.SetReadDeadline(time.Now().Add(time.Hour))
		got := make(chan error, 1)
		go func() {
			_, err := c.Read(make([]byte, 4))
			got <- err
		}()
		time.Sleep(30 * time.Minute)
		synctest.Wait()
		select {
		case err := <-got:
			t.Fatalf("read through a timeout toxic returned %v; want it held", err)
		default:
		}
		if err := p.RemoveToxic("timeout_upstream"); err != nil {
			t.Fatal(err)
		}
		if err := <-got; !errors.Is(err, io.EOF) {
			t.Errorf("after removing the timeout toxic, read = %v; want EOF (connection closed)", err)
		}
	})
}

// Toxicity is drawn per connection, and a toxic whose toxicity goes from
// 0 to 1 reaches the connections already open.
func TestSynctestToxicityChange(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p, c := tcpBubble(t)
		if _, err := p.AddToxic(fault.Toxic{Type: "latency", Toxicity: 0, Attributes: fault.Attributes{"latency": 100}}); err != nil {
			t.Fatal(err)
		}
		if d := echoTime(t, c); d != 0 {
			t.Errorf("latency at toxicity 0: echo took %v; want 0", d)
		}
		one := 1.0
		if _, err := p.UpdateToxic("latency_downstream", nil, &one); err != nil {
			t.Fatal(err)
		}
		if d := echoTime(t, c); d != 100*time.Millisecond {
			t.Errorf("latency at toxicity 1: echo took %v; want 100ms", d)
		}
	})
}

// Disabling a proxy closes its connections; enabling it listens again.
func TestDisableEnable(t *testing.T) {
	t.Parallel()
	b := newBackend(t)
	p := start(t, Config{Protocol: fault.Any, Backend: b.addr()})
	addr := p.Addr().String()
	c := dialRaw(t, addr)
	if resp, _, err := c.get("/a"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET = %v, %v", resp, err)
	}
	p.Disable()
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Errorf("connection still open after Disable")
	}
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Errorf("listener still accepting after Disable")
	}
	if err := p.Enable(); err != nil {
		t.Fatal(err)
	}
	if p.Addr().String() != addr {
		t.Errorf("enabled again on %s; want the same address %s", p.Addr(), addr)
	}
	c2 := dialRaw(t, addr)
	if resp, _, err := c2.get("/a"); err != nil || resp.StatusCode != 200 {
		t.Errorf("GET after Enable = %v, %v", resp, err)
	}
}

// Changing toxics while bytes flow loses, duplicates and reorders none:
// every rebuild hands what the old stages held to the new ones.
func TestToxicChurnKeepsEveryByte(t *testing.T) {
	t.Parallel()
	echoAddr := tcpBackend(t, echo)
	p := start(t, Config{Protocol: fault.Any, Backend: echoAddr})
	c, err := net.Dial("tcp", p.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const size = 2 << 20
	want := body(size)
	go func() {
		for data := want; len(data) > 0; {
			n := min(len(data), 1500)
			if _, err := c.Write(data[:n]); err != nil {
				return
			}
			data = data[n:]
		}
	}()
	got := make(chan []byte, 1)
	go func() {
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		b, _ := io.ReadAll(io.LimitReader(c, size))
		got <- b
	}()
	toxics := []fault.Toxic{
		{Name: "lat", Type: "latency", Stream: "downstream", Toxicity: 1, Attributes: fault.Attributes{"latency": 1}},
		{Name: "slice", Type: "slicer", Stream: "upstream", Toxicity: 1, Attributes: fault.Attributes{"average_size": 100, "size_variation": 50}},
		{Name: "bw", Type: "bandwidth", Stream: "downstream", Toxicity: 1, Attributes: fault.Attributes{"rate": 100_000}},
		{Name: "noop", Type: "noop", Stream: "both", Toxicity: 1},
	}
	var b []byte
	for i := 0; b == nil && i < 400; i++ {
		tx := toxics[i%len(toxics)]
		if i/len(toxics)%2 == 0 {
			if _, err := p.AddToxic(tx); err != nil {
				t.Fatal(err)
			}
		} else if err := p.RemoveToxic(tx.Name); err != nil {
			t.Fatal(err)
		}
		select {
		case b = <-got:
		default:
		}
	}
	p.SetToxics(nil)
	if b == nil {
		b = <-got
	}
	if len(b) != size || string(b) != string(want) {
		i := 0
		for i < len(b) && b[i] == want[i] {
			i++
		}
		t.Fatalf("echoed %d bytes of %d through 400 toxic changes; first difference at byte %d", len(b), size, i)
	}
}
