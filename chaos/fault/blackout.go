package fault

import "context"

var blackoutKind = &Kind{
	Name:     "blackout",
	Protocol: HTTP,
	Usage:    "close the connection at once without answering",
	newHTTP:  func(*options) HTTPFault { return Blackout{} },
}

// Blackout closes the connection without answering: the client sees the
// server hang up on it (EOF, "server closed connection").
type Blackout struct{}

// Serve implements HTTPFault.
func (Blackout) Serve(ctx context.Context, x Exchange, next Handler) error { return x.Close() }
