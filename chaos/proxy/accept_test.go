package proxy

import (
	"context"
	"net"
	"testing"
	"time"
)

// The accept loop never dials: while one connection's backend dial hangs,
// other clients are accepted and served.
func TestDialDoesNotBlockAccept(t *testing.T) {
	t.Parallel()
	b := newBackend(t)
	release := make(chan struct{})
	defer close(release)
	first := make(chan struct{}, 1)
	first <- struct{}{}
	hanging := make(chan struct{})
	d := &net.Dialer{}
	p := start(t, Config{Backend: b.addr(), Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		select {
		case <-first: // the first dial hangs like a SYN lost to a full queue
			close(hanging)
			select {
			case <-release:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		default:
		}
		return d.DialContext(ctx, network, addr)
	}})
	stuck := dialRaw(t, p.Addr().String())
	stuck.Write([]byte("GET /stuck HTTP/1.1\r\nHost: x\r\n\r\n"))
	select {
	case <-hanging: // the stuck dial has begun: now the others must get through
	case <-time.After(5 * time.Second):
		t.Fatal("the first connection never dialled")
	}
	c := client(t, 5*time.Second)
	for range 10 {
		if status, _, err := get(t, c, p.URL()+"/x"); err != nil || status != 200 {
			t.Fatalf("GET while another dial hangs = %d, %v; want 200", status, err)
		}
	}
}

func TestDialTimeout(t *testing.T) {
	t.Parallel()
	p := start(t, Config{Backend: "127.0.0.1:1", DialTimeout: 50 * time.Millisecond,
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			<-ctx.Done() // a backend that never answers the SYN
			return nil, ctx.Err()
		}})
	c := client(t, 5*time.Second)
	start := time.Now()
	status, _, err := get(t, c, p.URL()+"/x")
	if err != nil || status != 502 || time.Since(start) > 2*time.Second {
		t.Errorf("GET with a silent backend = %d, %v after %v; want 502 after the 50ms dial timeout", status, err, time.Since(start))
	}
}
