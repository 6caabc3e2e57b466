package fault

import "context"

var noopKind = &Kind{
	Name:     "noop",
	Protocol: Any,
	Usage:    "let everything through (Toxiproxy's noop, for tests of the control plane)",
	newTCP:   func(*options) TCPFault { return Noop{} },
}

// Noop passes every chunk on.
type Noop struct{}

// Run implements TCPFault.
func (Noop) Run(ctx context.Context, s *Stream) error { return relay(s, s.Send) }

// Serve implements HTTPFault: on an HTTP proxy, noop lets the request pass.
func (Noop) Serve(ctx context.Context, x Exchange, next Handler) error {
	x.Skip()
	return next(ctx, x)
}
