package proxy

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// copyRelay is the baseline the proxy must match: accept, dial, io.Copy
// both ways, nothing else.
func copyRelay(b *testing.B, backend string) string {
	return tcpBackend(b, func(c net.Conn) {
		s, err := net.Dial("tcp", backend)
		if err != nil {
			return
		}
		defer s.Close()
		go io.Copy(s, c)
		io.Copy(c, s)
	})
}

// p50 of direct access per connection count, for the added-latency metric.
var (
	baselineMu sync.Mutex
	baselineUS = map[int]float64{}
)

// BenchmarkRelay measures requests per second and median latency of 12 KB
// GETs with no faults, at 1 and 50 keep-alive connections: direct to the
// backend, through a plain io.Copy relay, and through chaos in HTTP and TCP
// mode. Run with:
//
//	go test -run '^$' -bench Relay -benchtime 3s ./chaos/proxy
func BenchmarkRelay(b *testing.B) {
	payload := body(12 << 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(payload)))
		w.Write(payload)
	}))
	defer srv.Close()
	backend := srv.Listener.Addr().String()

	for _, conns := range []int{1, 50} {
		for _, mode := range []string{"direct", "iocopy", "chaos-http", "chaos-tcp"} {
			b.Run(fmt.Sprintf("%s/conns=%d", mode, conns), func(b *testing.B) {
				addr := backend
				switch mode {
				case "iocopy":
					addr = copyRelay(b, backend)
				case "chaos-http":
					addr = start(b, Config{Backend: backend}).Addr().String()
				case "chaos-tcp":
					addr = start(b, Config{Backend: backend, Protocol: "tcp"}).Addr().String()
				}
				benchGets(b, "http://"+addr+"/", conns, len(payload), mode)
			})
		}
	}
}

func benchGets(b *testing.B, url string, conns, size int, mode string) {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	buf := make([]byte, size)
	get := func(buf []byte) time.Duration {
		start := time.Now()
		resp, err := c.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.ReadFull(resp.Body, buf)
		resp.Body.Close()
		if n != size {
			b.Fatalf("got %d bytes; want %d", n, size)
		}
		return time.Since(start)
	}
	for range conns { // open the connections before timing
		get(buf)
	}
	var lat []time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	if conns == 1 {
		for b.Loop() {
			lat = append(lat, get(buf))
		}
	} else {
		var mu sync.Mutex
		b.SetParallelism((conns + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
		b.RunParallel(func(pb *testing.PB) {
			buf := make([]byte, size)
			var mine []time.Duration
			for pb.Next() {
				mine = append(mine, get(buf))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	p50 := float64(lat[len(lat)/2].Nanoseconds()) / 1e3
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "req/s")
	b.ReportMetric(p50, "p50-µs")
	baselineMu.Lock()
	defer baselineMu.Unlock()
	if mode == "direct" {
		baselineUS[conns] = p50
	} else if base, ok := baselineUS[conns]; ok {
		b.ReportMetric(p50-base, "added-p50-µs")
	}
}
