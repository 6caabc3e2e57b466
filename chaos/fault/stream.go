package fault

import "context"

// streamOption is the option every TCP fault has.
var streamOption = Option{"stream", "down", "which stream: down (backend to client), up or both"}

// relay forwards chunks through f until In closes or ctx ends; it is the
// loop most TCP faults share.
func relay(ctx context.Context, s Stream, f func(Chunk) bool) error {
	for {
		select {
		case c, ok := <-s.In:
			if !ok {
				return nil
			}
			if !f(c) {
				return ctx.Err()
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
