package proxy

import (
	"net"
	"net/http"
	"testing"
	"time"

	"flagsuite/chaos/fault"
)

// No goroutine outlives its connection when the client vanishes in the
// middle of any fault, or when the backend vanishes mid-response.
func TestNoLeakWhenClientVanishes(t *testing.T) {
	t.Parallel()
	b := newBackend(t)
	for _, f := range []fault.Config{
		{}, // pass
		oneFault("delay", 100, "sleep", "0.05"),
		oneFault("error", 100),
		oneFault("hang", 100),
		oneFault("blackout", 100),
		oneFault("abort", 100),
		oneFault("reset", 100),
		oneFault("truncate", 100),
		oneFault("slow", 100, "rate", "1k"),
		oneFault("transient", 100),
	} {
		var cfgs []fault.Config
		if f.Name != "" {
			cfgs = append(cfgs, f)
		}
		p := startHTTP(t, b, cfgs...)
		c, err := net.Dial("tcp", p.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("GET /size/100000 HTTP/1.1\r\nHost: x\r\n\r\n"))
		c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		c.Read(make([]byte, 10))
		c.Close()
		waitFor(t, func() bool { return p.active.Load() == 0 }, "the connection goroutine of "+f.Name+" to end")
	}
}

func TestNoLeakWhenBackendVanishes(t *testing.T) {
	t.Parallel()
	gone := newBackend(t)
	gone.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.Write([]byte("partial"))
		w.(http.Flusher).Flush()
		c, _, _ := w.(http.Hijacker).Hijack()
		c.Close()
	})
	p := startHTTP(t, gone)
	rc := dialRaw(t, p.Addr().String())
	_, got, err := rc.get("/x")
	if err == nil || string(got) != "partial" {
		t.Errorf("backend died mid-body: got %q, %v; want the partial body and an error", got, err)
	}
	waitFor(t, func() bool { return p.active.Load() == 0 }, "the connection to end with its backend")

	for _, f := range []fault.Config{{}, oneFault("latency", 100), oneFault("timeout", 100), oneFault("slow_close", 100, "delay", "0.05")} {
		var cfgs []fault.Config
		if f.Name != "" {
			cfgs = append(cfgs, f)
		}
		tp := startTCP(t, tcpBackend(t, echo), cfgs...)
		c, err := net.Dial("tcp", tp.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("ping"))
		c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		c.Read(make([]byte, 4))
		c.Close()
		waitFor(t, func() bool { return tp.active.Load() == 0 }, "tcp connection with "+f.Name+" to end")
	}
}
