package store_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"flagsuite/common/store"
)

func TestPoolWritesEverything(t *testing.T) {
	for _, workers := range []int{0, 1, 4} {
		t.Run(fmt.Sprintf("%d workers", workers), func(t *testing.T) {
			dir := t.TempDir()
			p := store.NewPool(workers)
			const n = 50
			var calls atomic.Int64
			for i := range n {
				name := fmt.Sprintf("F%02d.gif", i)
				p.Submit(dir, name, []byte(name), func(err error) {
					if err != nil {
						t.Errorf("write %s: %v", name, err)
					}
					calls.Add(1)
				})
			}
			p.Close()
			if calls.Load() != n {
				t.Errorf("done called %d times; want %d, once per Submit, all before Close returns", calls.Load(), n)
			}
			for i := range n {
				name := fmt.Sprintf("F%02d.gif", i)
				if got, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(got) != name {
					t.Errorf("%s holds %q, %v; want %q", name, got, err, name)
				}
			}
		})
	}
}

func TestPoolOneWorkerKeepsOrder(t *testing.T) {
	p := store.NewPool(1)
	dir := t.TempDir()
	var order []int // appended by the single writer only
	for i := range 20 {
		p.Submit(dir, fmt.Sprint(i), nil, func(error) { order = append(order, i) })
	}
	p.Close()
	if want := seq(20); !slices.Equal(order, want) {
		t.Errorf("done order = %v; want %v (one writer, FIFO queue)", order, want)
	}
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// TestPoolConcurrency holds every writer inside its done callback to see
// that exactly workers writes run at once and that Submit blocks only once
// the queue (2·workers) is full. The bubble lets synctest.Wait tell a
// blocked Submit from a slow one.
func TestPoolConcurrency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const workers = 3
		dir := t.TempDir()
		p := store.NewPool(workers)
		var running, most atomic.Int64
		release := make(chan struct{})
		hold := func(error) {
			n := running.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			<-release
			running.Add(-1)
		}

		// workers writes fill the writers, 2·workers more fill the queue:
		// none of these Submits may block.
		for range 3 * workers {
			p.Submit(dir, "F.gif", nil, hold)
		}
		synctest.Wait()
		if got := running.Load(); got != workers {
			t.Errorf("%d writes running at once; want %d", got, workers)
		}

		submitted := false
		go func() {
			p.Submit(dir, "F.gif", nil, hold)
			submitted = true
		}()
		synctest.Wait()
		if submitted {
			t.Error("Submit returned with every writer busy and the queue full; want it to block")
		}

		close(release)
		p.Close()
		synctest.Wait()
		if !submitted || most.Load() != workers {
			t.Errorf("after Close: submitted %v, at most %d writes at once; want true, %d", submitted, most.Load(), workers)
		}
	})
}

func TestPoolReportsErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "BR.gif"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{0, 2} {
		p := store.NewPool(workers)
		var got error
		var once sync.Once
		p.Submit(dir, "BR.gif", []byte("GIF"), func(err error) { once.Do(func() { got = err }) })
		p.Close()
		if got == nil {
			t.Errorf("NewPool(%d): writing over a directory reported no error", workers)
		}
	}
}

func TestPoolAfterClose(t *testing.T) {
	for _, workers := range []int{0, 2} {
		p := store.NewPool(workers)
		p.Close()
		p.Close() // twice is fine
		var got error
		p.Submit(t.TempDir(), "BR.gif", []byte("GIF"), func(err error) { got = err })
		if !errors.Is(got, store.ErrClosed) {
			t.Errorf("NewPool(%d): Submit after Close gave %v; want ErrClosed", workers, got)
		}
		p.Submit(t.TempDir(), "BR.gif", nil, nil) // nil done: no panic
	}
}

func TestPoolInlineWritesBeforeSubmitReturns(t *testing.T) {
	dir := t.TempDir()
	p := store.NewPool(0)
	defer p.Close()
	called := false
	p.Submit(dir, "BR.gif", []byte("GIF"), func(err error) { called = err == nil })
	if !called {
		t.Fatal("inline pool: done not called (successfully) before Submit returned")
	}
	if _, err := os.Stat(filepath.Join(dir, "BR.gif")); err != nil {
		t.Errorf("inline pool: %v", err)
	}
}
