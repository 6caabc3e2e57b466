package store

import (
	"sync/atomic"
	"testing"
)

// TestSubmitTracedStartsBeforeDone: started is called once per write,
// before done, whether a writer goroutine or the caller (inline) writes.
func TestSubmitTracedStartsBeforeDone(t *testing.T) {
	t.Parallel()
	for _, workers := range []int{0, 2} {
		p := NewPool(workers)
		dir := t.TempDir()
		var started, bad atomic.Int64
		for i := range 20 {
			var mine atomic.Bool
			p.SubmitTraced(dir, string(rune('a'+i))+".gif", []byte("GIF"), func() {
				started.Add(1)
				mine.Store(true)
			}, func(err error) {
				if err != nil || !mine.Load() {
					bad.Add(1)
				}
			})
		}
		p.Close()
		if started.Load() != 20 || bad.Load() != 0 {
			t.Errorf("workers=%d: started %d times, %d writes done before their start or failed; want 20, 0",
				workers, started.Load(), bad.Load())
		}
	}
}
