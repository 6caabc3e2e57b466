package engine

import (
	"context"
	"sync"
)

// pool runs n workers fed from a queue, like a ThreadPoolExecutor: the
// producer stops feeding when ctx is cancelled and reports what it never
// queued; each worker does one code at a time, so at most n requests are in
// flight and no gate is needed. A busy worker is a slot taken.
//
//	producer ──jobs──► n workers ──► deliver
func pool(ctx context.Context, codes []string, n int, task Task, d *deliverer) {
	jobs := make(chan string)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for cc := range jobs {
				d.deliver(d.busy(ctx, cc, task))
			}
		})
	}
	defer wg.Wait()
	defer close(jobs)
	for i, cc := range codes {
		select {
		case jobs <- cc:
		case <-ctx.Done():
			for _, rest := range codes[i:] {
				d.notAttempted(rest)
			}
			return
		}
	}
}
