package fetch_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"flagsuite/common/fetch"
)

// TestTraceHooks follows a request that fails twice with a retryable
// status against a real loopback server: the hooks come in order, the gate
// is held during each attempt and not during the backoffs, the first
// attempt opens a connection that the next ones reuse, and Response.Latency
// is the sum of the attempts' latencies.
func TestTraceHooks(t *testing.T) {
	t.Parallel()
	fails := 2
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(2 * time.Millisecond) // a first byte to wait for
		if fails > 0 {                   // one request at a time: no lock needed
			fails--
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "GIF89a")
	}))
	defer srv.Close()
	c := fetch.New(fetch.Config{Retries: 3, BackoffBase: time.Millisecond, BackoffCap: time.Millisecond})
	defer c.CloseIdle()

	gate := &recordingGate{}
	var log []string
	var attempts []fetch.Attempt
	tr := &fetch.Trace{
		AttemptStart: func(url string, n int, at time.Time) {
			log = append(log, fmt.Sprintf("start %d held=%d", n, gate.Held()))
		},
		AttemptDone: func(a fetch.Attempt) {
			log = append(log, fmt.Sprintf("done %d %d held=%d", a.N, a.Status, gate.Held()))
			attempts = append(attempts, a)
		},
		BackoffStart: func(url string, next int, wait time.Duration) {
			log = append(log, fmt.Sprintf("backoff %d held=%d", next, gate.Held()))
		},
		BackoffDone: func(url string) { log = append(log, "backoff done") },
	}
	url := srv.URL + "/br/br.gif"
	resp, err := c.Get(fetch.WithTrace(context.Background(), tr), url, gate)
	if err != nil {
		t.Fatal(err)
	}
	want := "start 1 held=1, done 1 503 held=1, backoff 2 held=0, backoff done, " +
		"start 2 held=1, done 2 503 held=1, backoff 3 held=0, backoff done, " +
		"start 3 held=1, done 3 200 held=1"
	if got := strings.Join(log, ", "); got != want {
		t.Errorf("hooks:\n%s\nwant\n%s", got, want)
	}
	var sum time.Duration
	for i, a := range attempts {
		sum += a.Latency
		if a.URL != url || a.N != i+1 || a.TTFB <= 0 || a.TTFB > a.Latency {
			t.Errorf("attempt %d: %+v; want its URL, N %d and 0 < TTFB <= Latency", i+1, a, i+1)
		}
		if newConn := i == 0; (a.NewConns == 1) != newConn || a.Reused == newConn {
			t.Errorf("attempt %d: NewConns %d, Reused %v; want a new connection first, then reused", i+1, a.NewConns, a.Reused)
		}
	}
	if resp.Latency != sum {
		t.Errorf("Response.Latency = %v; want the sum of the attempts, %v", resp.Latency, sum)
	}
	if last := attempts[len(attempts)-1]; last.Bytes != 6 || last.Err != nil {
		t.Errorf("last attempt: %d bytes, err %v; want 6 and nil", last.Bytes, last.Err)
	}
	if opened, reused := c.Conns(); opened != 1 || reused != 2 {
		t.Errorf("Conns() = %d, %d; want 1, 2 (tracing must not change the count)", opened, reused)
	}
}
