package proxy

import (
	"fmt"
	"io"
	"math/rand/v2"
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
// both ways, nothing else. Between two TCP connections on Linux, io.Copy
// splices: the bytes never enter the process.
func copyRelay(b *testing.B, backend string) string {
	return relay(b, backend, io.Copy)
}

// bufRelay is copyRelay with the bytes copied through a buffer in the
// process, as any relay that looks at them must: the reference for what
// reading a response costs, before any parsing.
func bufRelay(b *testing.B, backend string) string {
	return relay(b, backend, func(dst io.Writer, src io.Reader) (int64, error) {
		buf := make([]byte, relayBufSize)
		return io.CopyBuffer(writerOnly{dst}, readerOnly{src}, buf)
	})
}

type readerOnly struct{ io.Reader }

type writerOnly struct{ io.Writer }

func relay(b *testing.B, backend string, cp func(io.Writer, io.Reader) (int64, error)) string {
	return tcpBackend(b, func(c net.Conn) {
		s, err := net.Dial("tcp", backend)
		if err != nil {
			return
		}
		defer s.Close()
		go cp(s, c)
		cp(c, s)
	})
}

// relayPath is one way to the backend and what was measured through it.
type relayPath struct {
	name    string
	url     string
	client  *http.Client
	lat     []time.Duration // of every request
	elapsed time.Duration   // wall time of this path's turns
}

// BenchmarkRelay measures requests per second and median latency of 12 KB
// GETs with no faults, at 1 and 50 keep-alive connections: direct to the
// backend, through a plain io.Copy relay (spliced), through the same relay
// copying through a buffer, and through chaos in HTTP and TCP mode. Run
// with:
//
//	go test -run '^$' -bench Relay -benchtime 3s -count 10 ./chaos/proxy
//
// The paths take turns in short blocks within one run, in shuffled order,
// so that whatever else the machine does falls on all of them alike;
// measured one after the other, they differ from run to run by more than
// they differ from each other. http/iocopy, tcp/iocopy and buf/iocopy are
// throughput ratios to the io.Copy relay (the target for chaos is ≥ 1);
// added-p50 is the median latency over direct.
func BenchmarkRelay(b *testing.B) {
	payload := body(12 << 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(payload)))
		w.Write(payload)
	}))
	defer srv.Close()
	backend := srv.Listener.Addr().String()

	for _, conns := range []int{1, 50} {
		b.Run(fmt.Sprintf("conns=%d", conns), func(b *testing.B) {
			addrs := map[string]string{
				"direct":     backend,
				"iocopy":     copyRelay(b, backend),
				"bufcopy":    bufRelay(b, backend),
				"chaos-http": start(b, Config{Backend: backend}).Addr().String(),
				"chaos-tcp":  start(b, Config{Backend: backend, Protocol: "tcp"}).Addr().String(),
			}
			var paths []*relayPath
			for _, name := range []string{"direct", "iocopy", "bufcopy", "chaos-http", "chaos-tcp"} {
				tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}
				defer tr.CloseIdleConnections()
				paths = append(paths, &relayPath{name: name, url: "http://" + addrs[name] + "/", client: &http.Client{Transport: tr}})
			}
			perConn := 16 // requests per connection in one turn
			if conns > 1 {
				perConn = 4
			}
			for _, p := range paths { // open the connections before timing
				p.turn(b, conns, perConn, len(payload))
				p.lat, p.elapsed = p.lat[:0], 0
			}
			b.ResetTimer()
			// Each block runs the paths in a fresh order, so that no path
			// always runs first, or right after the same other path: with
			// a fixed order, chaos-tcp (an io.Copy relay itself) measured
			// 1-2% faster than the relay it followed.
			order := rand.New(rand.NewPCG(1, 2))
			turns := slices.Clone(paths)
			for b.Loop() {
				order.Shuffle(len(turns), func(i, j int) { turns[i], turns[j] = turns[j], turns[i] })
				for _, p := range turns {
					p.turn(b, conns, perConn, len(payload))
				}
			}
			b.StopTimer()
			reportRelay(b, paths)
		})
	}
}

// turn sends conns×perConn GETs on p from conns goroutines, one connection
// each, and records their latencies and the turn's wall time.
func (p *relayPath) turn(b *testing.B, conns, perConn, size int) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Go(func() {
			buf := make([]byte, size)
			mine := make([]time.Duration, 0, perConn)
			for range perConn {
				t := time.Now()
				resp, err := p.client.Get(p.url)
				if err != nil {
					b.Error(err)
					return
				}
				n, _ := io.ReadFull(resp.Body, buf)
				resp.Body.Close()
				if n != size {
					b.Errorf("%s: got %d bytes; want %d", p.name, n, size)
					return
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			p.lat = append(p.lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	p.elapsed += time.Since(start)
}

func reportRelay(b *testing.B, paths []*relayPath) {
	rate := map[string]float64{}
	p50 := map[string]float64{}
	for _, p := range paths {
		if len(p.lat) == 0 {
			return
		}
		slices.Sort(p.lat)
		rate[p.name] = float64(len(p.lat)) / p.elapsed.Seconds()
		p50[p.name] = float64(p.lat[len(p.lat)/2].Nanoseconds()) / 1e3
		b.ReportMetric(rate[p.name], p.name+"-req/s")
		b.ReportMetric(p50[p.name], p.name+"-p50-µs")
		if p.name != "direct" {
			b.ReportMetric(p50[p.name]-p50["direct"], p.name+"-added-p50-µs")
		}
	}
	b.ReportMetric(rate["chaos-http"]/rate["iocopy"], "http/iocopy")
	b.ReportMetric(rate["chaos-tcp"]/rate["iocopy"], "tcp/iocopy")
	b.ReportMetric(rate["bufcopy"]/rate["iocopy"], "buf/iocopy")
}

// BenchmarkTrickleAttack measures a normal client's latency through chaos
// while 500 connections trickle request heads a byte at a time (issue 16
// §6), next to the same client's latency without them, in one run:
//
//	go test -run '^$' -bench TrickleAttack -benchtime 20000x ./chaos/proxy
//
// The header timeout drops the tricklers; until it does they must cost the
// normal client nothing (quiet-p50 vs attack-p50, and the maxima).
func BenchmarkTrickleAttack(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body(1024)) }))
	defer srv.Close()
	p := start(b, Config{Backend: srv.Listener.Addr().String(), HeaderTimeout: 2 * time.Second})
	url := p.URL() + "/"
	client := &http.Client{Transport: &http.Transport{}}
	measure := func(n int) []time.Duration {
		lat := make([]time.Duration, 0, n)
		for range n {
			start := time.Now()
			resp, err := client.Get(url)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			lat = append(lat, time.Since(start))
		}
		return lat
	}
	n := max(b.N, 100)
	b.StopTimer()
	quiet := measure(n)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 500 {
		wg.Go(func() {
			c, err := net.Dial("tcp", p.Addr().String())
			if err != nil {
				return
			}
			defer c.Close()
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			for _, ch := range []byte("GET /slow HTTP/1.1\r\nHost: x\r\n") {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				if _, err := c.Write([]byte{ch}); err != nil {
					return // dropped by the header timeout
				}
			}
		})
	}
	// Measure once the tricklers are connected (a few may fail to dial).
	deadline := time.Now().Add(5 * time.Second)
	for want := p.Stats().Connections + 500; p.Stats().Connections < want && time.Now().Before(deadline); {
		runtime.Gosched()
	}
	b.StartTimer()
	attack := measure(n)
	b.StopTimer()
	close(stop)
	wg.Wait()
	q, a := stats(quiet), stats(attack)
	b.ReportMetric(q.p50, "quiet-p50-µs")
	b.ReportMetric(q.max, "quiet-max-µs")
	b.ReportMetric(a.p50, "attack-p50-µs")
	b.ReportMetric(a.max, "attack-max-µs")
}

type latStats struct{ p50, max float64 }

func stats(lat []time.Duration) latStats {
	s := slices.Clone(lat)
	slices.Sort(s)
	return latStats{float64(s[len(s)/2]) / 1e3, float64(s[len(s)-1]) / 1e3}
}
