package engine

import (
	"context"

	"flagsuite/common/fetch"
)

// loop is the asyncio shape: one lightweight task per code, all started at
// once, throttled by a weighted semaphore that each task holds only around
// its HTTP requests. Completions reach the owner over the results channel in
// the order they finish.
func loop(ctx context.Context, codes []string, n int, task Task, d *deliverer) {
	sem := fetch.Semaphore(int64(n))
	for _, cc := range codes {
		go func() {
			ctx, gate := d.start(ctx, cc, sem)
			d.deliver(task(ctx, cc, gate))
		}()
	}
}
