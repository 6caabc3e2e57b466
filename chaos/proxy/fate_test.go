package proxy

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"flagsuite/chaos/fault"
)

// The acceptance test Toxiproxy fails: it draws once per connection, so a
// keep-alive client gets one fate for all its requests.
func TestKeepAliveRequestsAreIndependent(t *testing.T) {
	t.Parallel()
	b := newBackend(t)
	p := startHTTP(t, b, oneFault("error", 50))
	rc := dialRaw(t, p.Addr().String())
	errs := 0
	const n = 1000
	for i := range n {
		resp, _, err := rc.get(fmt.Sprintf("/flags/%d", i))
		if err != nil {
			t.Fatalf("request %d on the one connection: %v", i, err)
		}
		if resp.StatusCode >= 500 {
			errs++
		}
	}
	if errs < 400 || errs > 600 {
		t.Errorf("50:error over one keep-alive connection gave %d errors in %d requests; want 400-600", errs, n)
	}
	if s := p.Stats(); s.Requests != n || s.Faults["error"] != int64(errs) {
		t.Errorf("Stats() = %+v; want %d requests and %d errors, as the client saw", s, n, errs)
	}
}

// statusesByRequest sends n sequential requests on one connection.
func statusesByRequest(t *testing.T, seed int64, n int) []int {
	b := newBackend(t)
	p := start(t, Config{Backend: b.addr(), Seed: seed, Seeded: true, Faults: faults(oneFault("error", 30))})
	rc := dialRaw(t, p.Addr().String())
	var out []int
	for i := range n {
		resp, _, err := rc.get(fmt.Sprintf("/%d", i))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, resp.StatusCode)
	}
	return out
}

func TestSeedByRequest(t *testing.T) {
	t.Parallel()
	a, b, c := statusesByRequest(t, 7, 200), statusesByRequest(t, 7, 200), statusesByRequest(t, 8, 200)
	if !slices.Equal(a, b) {
		t.Errorf("two runs with --seed 7 differ:\n%v\n%v", a, b)
	}
	if slices.Equal(a, c) {
		t.Errorf("--seed 7 and --seed 8 gave the same statuses")
	}
}

// failingPaths requests every path concurrently, in an order of its own,
// and returns the paths that failed.
func failingPaths(t *testing.T, seed int64, order uint64) []string {
	b := newBackend(t)
	p := start(t, Config{Backend: b.addr(), Seed: seed, Seeded: true, SeedBy: ByPath,
		Faults: faults(oneFault("error", 25), oneFault("delay", 50, "sleep", "0.001"))})
	var paths []string
	for a := 'a'; a <= 'z'; a++ {
		for b := 'a'; b <= 'z'; b++ {
			paths = append(paths, fmt.Sprintf("/flags/%c%c/%c%c.gif", a, b, a, b))
		}
	}
	r := rand.New(rand.NewPCG(order, order))
	r.Shuffle(len(paths), func(i, j int) { paths[i], paths[j] = paths[j], paths[i] })
	c := client(t, 10*time.Second)
	var mu sync.Mutex
	var failed []string
	var wg sync.WaitGroup
	work := make(chan string)
	for range 16 {
		wg.Go(func() {
			for path := range work {
				status, _, err := get(t, c, p.URL()+path)
				if err != nil {
					t.Error(err)
					continue
				}
				if status >= 500 {
					mu.Lock()
					failed = append(failed, path)
					mu.Unlock()
				}
			}
		})
	}
	for _, path := range paths {
		work <- path
	}
	close(work)
	wg.Wait()
	slices.Sort(failed)
	return failed
}

func TestSeedByPath(t *testing.T) {
	t.Parallel()
	a, b := failingPaths(t, 7, 1), failingPaths(t, 7, 2)
	if !slices.Equal(a, b) {
		t.Errorf("two runs with --seed 7 --seed-by path fail different paths: %d vs %d", len(a), len(b))
	}
	if n := len(a); n < 676*15/100 || n > 676*35/100 {
		t.Errorf("%d of 676 paths failed at 25:error; want about 169", n)
	}
	if c := failingPaths(t, 8, 1); slices.Equal(a, c) {
		t.Errorf("--seed 7 and --seed 8 fail the same paths")
	}
}

func TestDrawIsPure(t *testing.T) {
	t.Parallel()
	p, err := New(Config{Backend: "127.0.0.1:1", Seed: 7, Seeded: true})
	if err != nil {
		t.Fatal(err)
	}
	if first, again := p.draw(5, ""), p.draw(5, ""); first != again || first == p.draw(6, "") {
		t.Errorf("draw(seed 7, k) is not a function of k alone")
	}
	q, _ := New(Config{Backend: "127.0.0.1:1", Seed: 7, Seeded: true, SeedBy: ByPath})
	if q.draw(1, "/a") != q.draw(99, "/a") || q.draw(1, "/a") == q.draw(1, "/b") {
		t.Errorf("draw(seed 7, path) is not a function of the path alone")
	}
	if _, err := New(Config{Backend: "127.0.0.1:1", Protocol: fault.TCP, SeedBy: ByPath}); err == nil {
		t.Errorf("New(tcp, seed by path) = nil error; want one")
	}
}
