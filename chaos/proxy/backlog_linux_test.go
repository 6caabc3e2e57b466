//go:build linux

package proxy

import (
	"net"
	"net/http"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"
)

// listenBacklog listens on 127.0.0.1:0 with a listen queue of backlog, which
// net.Listen does not let one choose.
func listenBacklog(t *testing.T, backlog int) net.Listener {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		syscall.Close(fd)
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, backlog); err != nil {
		syscall.Close(fd)
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), "backlog")
	defer f.Close()
	ln, err := net.FileListener(f)
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// python3 -m http.server, as far as Toxiproxy cares: listen backlog 5 and
// one request per connection. Fifty clients overflow that queue again and
// again, and each overflow costs a SYN retransmit (1 s): a proxy that dials
// in its accept loop makes every client pay for each one.
func pythonLikeBackend(t *testing.T) string {
	ln := listenBacklog(t, 5)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(body(12 << 10))
	})}
	srv.SetKeepAlivesEnabled(false)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// hammer runs clients concurrent clients, each making perClient requests on
// fresh connections, and returns the requests per second.
func hammer(t *testing.T, url string, clients, perClient int) float64 {
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 20 * time.Second}
	start := time.Now()
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for range perClient {
				resp, err := c.Get(url)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Errorf("status %d", resp.StatusCode)
				}
			}
		})
	}
	wg.Wait()
	return float64(clients*perClient) / time.Since(start).Seconds()
}

// TestSmallBacklogNoStall is the regression test for Toxiproxy's dial in
// the accept loop: in front of a backend with a listen queue of 5, one dial
// that waits for a SYN retransmit stalled every new client (800 → 7–11
// req/s). Here each connection dials on its own, so 50 clients through the
// proxy get within 2× of going direct.
func TestSmallBacklogNoStall(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	addr := pythonLikeBackend(t)
	p := start(t, Config{Backend: addr})
	const clients, perClient = 50, 2
	direct := hammer(t, "http://"+addr+"/", clients, perClient)
	proxied := hammer(t, p.URL()+"/", clients, perClient)
	t.Logf("backlog 5, %d clients: direct %.0f req/s, through chaos %.0f req/s", clients, direct, proxied)
	if proxied < direct/2 {
		t.Errorf("through the proxy %.0f req/s; want at least half of direct (%.0f req/s)", proxied, direct)
	}
}
