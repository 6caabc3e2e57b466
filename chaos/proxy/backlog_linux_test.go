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
func listenBacklog(t testing.TB, backlog int) net.Listener {
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
func pythonLikeBackend(t testing.TB) string {
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
func hammer(t testing.TB, url string, clients, perClient int) float64 {
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

// BenchmarkSmallBacklog measures the regression of Toxiproxy's dial in the
// accept loop: in front of a backend with a listen queue of 5, one dial that
// waits for a SYN retransmit stalled every new client (800 → 7–11 req/s).
// Here each connection dials on its own, so 50 clients through the proxy
// should get close to going direct; the benchmark reports both rates and
// their ratio. (TestDialDoesNotBlockAccept checks the cause without a
// clock.)
//
//	go test -run '^$' -bench SmallBacklog ./chaos/proxy
func BenchmarkSmallBacklog(b *testing.B) {
	addr := pythonLikeBackend(b)
	p := start(b, Config{Backend: addr})
	const clients, perClient = 50, 2
	var direct, proxied float64
	for b.Loop() {
		direct += hammer(b, "http://"+addr+"/", clients, perClient)
		proxied += hammer(b, p.URL()+"/", clients, perClient)
	}
	b.ReportMetric(direct/float64(b.N), "direct-req/s")
	b.ReportMetric(proxied/float64(b.N), "chaos-req/s")
	b.ReportMetric(proxied/direct, "chaos/direct")
}
