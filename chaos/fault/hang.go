package fault

import (
	"context"
	"time"
)

var hangKind = &Kind{
	Name:     "hang",
	Protocol: HTTP,
	Usage:    "read the request and never answer; close when the client leaves",
	Options: []Option{
		{"max", "0", "close the connection after this long (0: only when the client leaves)", ""},
	},
	newHTTP: func(o *options) HTTPFault { return &Hang{Max: o.duration("max")} },
}

// Hang reads the request and never answers, the fault that tests a
// client's timeout.
type Hang struct {
	Max time.Duration // 0: until the client leaves or the proxy stops
}

// Serve implements HTTPFault.
func (h *Hang) Serve(ctx context.Context, x Exchange, next Handler) error {
	return x.Hang(ctx, h.Max)
}
