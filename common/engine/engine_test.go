package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"flagsuite/common/countries"
	"flagsuite/common/fetch"
	"flagsuite/common/report"
	"flagsuite/common/store"
	"flagsuite/common/strategy"
)

var strategies = strategy.All

// fakeTask answers without a network: codes starting with X are not found,
// with Y are errors, the rest are downloads whose bytes are the code. It
// records the most requests it saw in flight at once.
type fakeTask struct {
	inFlight, peak atomic.Int64
	calls          atomic.Int64
}

func (f *fakeTask) run(ctx context.Context, cc string, gate fetch.Gate) Outcome {
	f.calls.Add(1)
	if err := gate.Acquire(ctx); err != nil {
		return Outcome{Result: report.Result{CC: cc, Status: report.Error, Err: err}}
	}
	n := f.inFlight.Add(1)
	for p := f.peak.Load(); n > p && !f.peak.CompareAndSwap(p, n); p = f.peak.Load() {
	}
	f.inFlight.Add(-1)
	gate.Release()
	switch cc[0] {
	case 'X':
		return Outcome{Result: report.Result{CC: cc, Status: report.NotFound}}
	case 'Y':
		return Outcome{Result: report.Result{CC: cc, Status: report.Error, Err: errors.New("boom")}}
	}
	return Outcome{Result: report.Result{CC: cc, Status: report.OK, File: cc + ".gif"}, Save: []byte(cc)}
}

func TestRunCountsEveryCodeOnce(t *testing.T) {
	t.Parallel()
	codes := countries.Every()
	for _, strategy := range strategies {
		for _, writers := range []int{0, 3} {
			t.Run(fmt.Sprintf("%s/writers=%d", strategy, writers), func(t *testing.T) {
				dest := t.TempDir()
				pool := store.NewPool(writers)
				f := &fakeTask{}
				seen := map[string]report.Status{}
				Run(context.Background(), Config{Strategy: strategy, Concurrency: 7, Dest: dest, Writers: pool},
					codes, f.run, func(r report.Result) {
						if _, dup := seen[r.CC]; dup {
							t.Errorf("%s reported twice", r.CC)
						}
						seen[r.CC] = r.Status
					})
				pool.Close()
				if len(seen) != len(codes) {
					t.Fatalf("got %d results; want %d", len(seen), len(codes))
				}
				var ok []string
				for cc, s := range seen {
					want := report.OK
					switch cc[0] {
					case 'X':
						want = report.NotFound
					case 'Y':
						want = report.Error
					}
					if s != want {
						t.Errorf("%s: status %v; want %v", cc, s, want)
					}
					if s == report.OK {
						ok = append(ok, cc+".gif")
					}
				}
				files, _ := filepath.Glob(filepath.Join(dest, "*"))
				for i := range files {
					files[i] = filepath.Base(files[i])
				}
				slices.Sort(ok)
				if !slices.Equal(files, ok) {
					t.Errorf("files on disk (%d) differ from codes reported ok (%d)", len(files), len(ok))
				}
			})
		}
	}
}

// TestConcurrencyBound holds every request inside its slot until the test
// lets one go, and looks each time all goroutines are blocked: the requests
// in flight must then be exactly min(n, codes left) — never more (the bound),
// never fewer (the strategy really uses its concurrency).
func TestConcurrencyBound(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		strategy strategy.Name
		n        int
	}{{strategy.Sequential, 1}, {strategy.Pool, 3}, {strategy.Loop, 3}, {strategy.Loop, 7}} {
		t.Run(fmt.Sprintf("%s/%d", tt.strategy, tt.n), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				codes := countries.All()[:25]
				var inside atomic.Int64
				proceed := make(chan struct{})
				task := func(ctx context.Context, cc string, gate fetch.Gate) Outcome {
					if err := gate.Acquire(ctx); err != nil {
						return Outcome{Result: report.Result{CC: cc, Status: report.Error, Err: err}}
					}
					inside.Add(1)
					<-proceed
					inside.Add(-1)
					gate.Release()
					return Outcome{Result: report.Result{CC: cc, Status: report.NotFound}}
				}
				done := make(chan struct{})
				go func() {
					defer close(done)
					Run(context.Background(), Config{Strategy: tt.strategy, Concurrency: tt.n, Dest: t.TempDir()},
						codes, task, func(report.Result) {})
				}()
				for finished := range len(codes) {
					synctest.Wait()
					want := int64(min(tt.n, len(codes)-finished))
					if got := inside.Load(); got != want {
						t.Fatalf("after %d requests finished: %d in flight; want %d", finished, got, want)
					}
					proceed <- struct{}{}
				}
				<-done
			})
		})
	}
}

func TestCancelReportsNotAttempted(t *testing.T) {
	t.Parallel()
	codes := countries.Every()
	for _, strategy := range strategies {
		t.Run(string(strategy), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var once sync.Once
			// The task cancels the run on its 10th call, the way Ctrl-C lands mid-run.
			var calls atomic.Int64
			task := func(ctx context.Context, cc string, gate fetch.Gate) Outcome {
				if calls.Add(1) == 10 {
					once.Do(cancel)
				}
				if err := gate.Acquire(ctx); err != nil {
					return Outcome{Result: report.Result{CC: cc, Status: report.Error, Err: fmt.Errorf("get: %w", err)}}
				}
				defer gate.Release()
				if ctx.Err() != nil {
					return Outcome{Result: report.Result{CC: cc, Status: report.Error, Err: ctx.Err()}}
				}
				return Outcome{Result: report.Result{CC: cc, Status: report.OK, File: cc + ".gif"}, Save: []byte(cc)}
			}
			var tally report.Tally
			dest := t.TempDir()
			Run(ctx, Config{Strategy: strategy, Concurrency: 4, Dest: dest}, codes, task, tally.Add)
			if tally.Len() != len(codes) {
				t.Fatalf("got %d results; want %d", tally.Len(), len(codes))
			}
			if tally.Count(report.NotAttempted) == 0 || tally.Count(report.Error) != 0 {
				t.Errorf("not attempted = %d, errors = %d; want some not attempted and no errors",
					tally.Count(report.NotAttempted), tally.Count(report.Error))
			}
			files, _ := os.ReadDir(dest)
			if len(files) != tally.Count(report.OK) {
				t.Errorf("%d files for %d codes ok", len(files), tally.Count(report.OK))
			}
		})
	}
}

func TestWriteFailureIsAnError(t *testing.T) {
	t.Parallel()
	dest := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(dest, nil, 0o644); err != nil { // a file where the folder should be
		t.Fatal(err)
	}
	for _, writers := range []int{0, 2} {
		f := &fakeTask{}
		pool := store.NewPool(writers)
		var tally report.Tally
		Run(context.Background(), Config{Strategy: strategy.Loop, Concurrency: 2, Dest: dest, Writers: pool},
			[]string{"AD", "BR"}, f.run, tally.Add)
		pool.Close()
		if tally.Count(report.Error) != 2 {
			t.Errorf("writers=%d: %d errors; want 2 (the writes cannot succeed)", writers, tally.Count(report.Error))
		}
		for _, r := range tally.Results() {
			if r.File != "" || r.Err == nil {
				t.Errorf("writers=%d: %+v; want no file and an error", writers, r)
			}
		}
	}
}

func TestUnknownStrategyPanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("Run with strategy \"threads\" did not panic; an unknown strategy must never run as another")
		}
	}()
	Run(context.Background(), Config{Strategy: "threads", Concurrency: 1, Dest: t.TempDir()}, []string{"BR"},
		func(ctx context.Context, cc string, gate fetch.Gate) Outcome { return Outcome{} }, func(report.Result) {})
}
