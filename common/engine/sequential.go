package engine

import (
	"context"

	"flagsuite/common/fetch"
)

// sequential fetches one code at a time, in code order. Writes still go to
// the executor, so the next request starts while the last file is saved.
func sequential(ctx context.Context, codes []string, task Task, d *deliverer) {
	for i, cc := range codes {
		if ctx.Err() != nil {
			for _, rest := range codes[i:] {
				d.notAttempted(rest)
			}
			return
		}
		d.deliver(task(ctx, cc, fetch.NoGate))
	}
}
