package fetch_test

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"flagsuite/common/fetch"
)

// In these tests the transport answers without a network, so they run in a
// synctest bubble: waits take no real time and elapsed times are exact.

func TestRetryBackoffIsJitteredAndReleasesGate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		gate := &recordingGate{}
		tr := &script{codes: []int{503, 418}, gate: gate, t: t}
		c := fetch.New(fetch.Config{Retries: 3, Rand: rand.New(rand.NewPCG(1, 2)), Transport: tr})

		// The same source, drawn the same way: [0, 100ms], then [0, 200ms].
		r := rand.New(rand.NewPCG(1, 2))
		want := time.Duration(r.Int64N(int64(100*time.Millisecond)+1)) +
			time.Duration(r.Int64N(int64(200*time.Millisecond)+1))

		start := time.Now()
		done := make(chan struct{})
		var resp fetch.Response
		var err error
		go func() {
			defer close(done)
			resp, err = c.Get(context.Background(), "http://flags.test/br/br.gif", gate)
		}()
		synctest.Wait() // Get now sleeps before its first retry
		if held, calls := gate.Held(), tr.Calls(); held != 0 || calls != 1 {
			t.Errorf("while backing off: gate held %d times, %d requests sent; want 0 and 1", held, calls)
		}
		<-done

		if err != nil {
			t.Fatalf("Get = %v; want success on the third attempt", err)
		}
		if resp.Attempts != 3 || gate.Acquired() != 3 {
			t.Errorf("Attempts = %d, gate acquired %d times; want 3 and 3", resp.Attempts, gate.Acquired())
		}
		if got := time.Since(start); got != want {
			t.Errorf("Get took %v; want the two jittered waits, %v", got, want)
		}
	})
}

func TestRetryBackoffStaysUnderCap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const retries = 8
		codes := make([]int, retries+1)
		for i := range codes {
			codes[i] = http.StatusServiceUnavailable
		}
		c := fetch.New(fetch.Config{Retries: retries, Transport: &script{codes: codes}})
		start := time.Now()
		resp, err := c.Get(context.Background(), "http://flags.test/", nil)
		var he *fetch.HTTPError
		if !errors.As(err, &he) || he.StatusCode != 503 {
			t.Fatalf("Get error = %v; want HTTP error 503 once retries run out", err)
		}
		if resp.Attempts != retries+1 {
			t.Errorf("Attempts = %d; want %d", resp.Attempts, retries+1)
		}
		// Ceilings 0.1, 0.2, 0.4, 0.8, 1.6, then the 2s cap three times.
		if got, most := time.Since(start), 9100*time.Millisecond; got > most {
			t.Errorf("8 retries took %v; want at most %v", got, most)
		}
	})
}

func TestRetryNeverOn404(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := &script{codes: []int{404}}
		resp, err := fetch.New(fetch.Config{Retries: 5, Transport: tr}).Get(context.Background(), "http://flags.test/", nil)
		if !fetch.IsNotFound(err) || resp.Attempts != 1 || tr.Calls() != 1 {
			t.Errorf("Get = %v after %d attempts, %d requests; want not found after 1", err, resp.Attempts, tr.Calls())
		}
	})
}

func TestRetryAfter(t *testing.T) {
	// synctest's clock starts at midnight UTC, 2000-01-01.
	bubbleStart := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name, header string
		want         time.Duration
	}{
		{"seconds", "3", 3 * time.Second},
		{"HTTP date", bubbleStart.Add(5 * time.Second).Format(http.TimeFormat), 5 * time.Second},
		{"longer than the cap", "3600", 30 * time.Second},
		{"date far ahead", bubbleStart.Add(time.Hour).Format(http.TimeFormat), 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				// A backoff of up to a minute, to show the header wins.
				tr := &script{codes: []int{http.StatusTooManyRequests}, header: []string{"Retry-After", tt.header}}
				c := fetch.New(fetch.Config{Retries: 1, Transport: tr, BackoffBase: time.Minute, BackoffCap: time.Minute})
				start := time.Now()
				if _, err := c.Get(context.Background(), "http://flags.test/", nil); err != nil {
					t.Fatalf("Get = %v; want success after waiting", err)
				}
				if got := time.Since(start); got != tt.want {
					t.Errorf("with Retry-After: %s, Get took %v; want %v", tt.header, got, tt.want)
				}
			})
		})
	}
}

func TestRetryCancelledWhileBackingOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := &script{codes: []int{503}, header: []string{"Retry-After", "20"}}
		c := fetch.New(fetch.Config{Retries: 3, Transport: tr})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		var resp fetch.Response
		var err error
		go func() {
			defer close(done)
			resp, err = c.Get(ctx, "http://flags.test/", nil)
		}()
		synctest.Wait() // backing off
		start := time.Now()
		cancel()
		<-done
		if got := time.Since(start); got != 0 {
			t.Errorf("Get returned %v after cancel; want at once", got)
		}
		if !errors.Is(err, context.Canceled) || errors.Is(err, fetch.ErrTimeout) {
			t.Errorf("Get error = %v; want context.Canceled, not a timeout", err)
		}
		if resp.Attempts != 1 || tr.Calls() != 1 {
			t.Errorf("Attempts = %d, requests = %d; want 1 and 1", resp.Attempts, tr.Calls())
		}
	})
}

// slowGate makes every Acquire wait an hour of bubble time: far longer than
// any timeout, so a timeout that counted the wait would always fire.
type slowGate struct{}

func (slowGate) Acquire(ctx context.Context) error { time.Sleep(time.Hour); return ctx.Err() }
func (slowGate) Release()                          {}

// blockingBody is a body that never ends until its request is cancelled.
type blockingBody struct{ ctx context.Context }

func (b blockingBody) Read([]byte) (int, error) { <-b.ctx.Done(); return 0, b.ctx.Err() }
func (b blockingBody) Close() error             { return nil }

func TestTimeoutStartsAfterGate(t *testing.T) {
	const timeout = 10 * time.Second
	answerAfter := func(d time.Duration) roundTripFunc {
		return func(r *http.Request) (*http.Response, error) {
			select {
			case <-time.After(d):
				return answer(r, http.StatusOK, "ok"), nil
			case <-r.Context().Done():
				return nil, r.Context().Err()
			}
		}
	}
	stallBody := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		res := answer(r, http.StatusOK, "")
		res.ContentLength = -1
		res.Body = blockingBody{r.Context()}
		return res, nil
	})
	tests := []struct {
		name         string
		transport    http.RoundTripper
		retries      int
		wantErr      bool
		wantLatency  time.Duration
		wantAttempts int
	}{
		{"answer just in time", answerAfter(timeout - time.Second), 0, false, timeout - time.Second, 1},
		{"no answer", answerAfter(time.Hour), 0, true, timeout, 1},
		{"body never ends", stallBody, 0, true, timeout, 1},
		{"timeout is retried", answerAfter(time.Hour), 1, true, 2 * timeout, 2}, // both attempts' time
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := fetch.New(fetch.Config{Timeout: timeout, Retries: tt.retries, Transport: tt.transport,
					BackoffBase: time.Nanosecond, BackoffCap: time.Nanosecond})
				resp, err := c.Get(context.Background(), "http://flags.test/", slowGate{})
				if resp.Latency != tt.wantLatency || resp.Attempts != tt.wantAttempts {
					t.Errorf("Latency, Attempts = %v, %d; want %v, %d (the gate's hour not counted)",
						resp.Latency, resp.Attempts, tt.wantLatency, tt.wantAttempts)
				}
				if !tt.wantErr {
					if err != nil {
						t.Errorf("Get = %v; want success", err)
					}
					return
				}
				var te *fetch.TimeoutError
				if !errors.As(err, &te) || te.After != timeout {
					t.Fatalf("Get error = %v (%T); want *TimeoutError after %v", err, err, timeout)
				}
				if !errors.Is(err, fetch.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
					t.Errorf("errors.Is(%v, ErrTimeout / DeadlineExceeded / Canceled) = %v / %v / %v; want true / true / false", err,
						errors.Is(err, fetch.ErrTimeout), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled))
				}
				if got, want := fetch.Describe(err), "timeout after 10s"; got != want {
					t.Errorf("Describe = %q; want %q", got, want)
				}
			})
		})
	}
}

func TestTruncatedBodyIsRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls := 0
		tr := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			calls++
			res := answer(r, http.StatusOK, "GIF89a")
			if calls == 1 {
				res.ContentLength = 2000
				res.Body = io.NopCloser(io.MultiReader(res.Body, errReader{io.ErrUnexpectedEOF}))
			}
			return res, nil
		})
		resp, err := fetch.New(fetch.Config{Retries: 1, Transport: tr}).Get(context.Background(), "http://flags.test/", nil)
		if err != nil || string(resp.Body) != "GIF89a" || resp.Attempts != 2 {
			t.Errorf("Get = %q, %v after %d attempts; want GIF89a after 2", resp.Body, err, resp.Attempts)
		}
	})
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
