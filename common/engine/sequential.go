package engine

import (
	"context"

	"flagsuite/common/fetch"
)

// busy runs task for cc without a gate, as a pool worker or the sequential
// loop does: the worker is the slot, and it is busy for the whole code.
func (d *deliverer) busy(ctx context.Context, cc string, task Task) Outcome {
	ctx, gate := d.start(ctx, cc, fetch.NoGate)
	d.emit(Event{Kind: SlotTaken, CC: cc})
	o := task(ctx, cc, gate)
	d.emit(Event{Kind: SlotFreed, CC: cc})
	return o
}

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
		d.deliver(d.busy(ctx, cc, task))
	}
}
