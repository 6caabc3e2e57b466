package fault

import "context"

var resetKind = &Kind{
	Name:     "reset",
	Protocol: HTTP,
	Usage:    "abort the connection with a TCP RST instead of answering",
	newHTTP:  func(*options) HTTPFault { return Reset{} },
}

// Reset aborts the client connection with an RST ("connection reset by
// peer"), only on the requests that drew it — unlike Toxiproxy's
// reset_peer, which resets every connection once it exists.
type Reset struct{}

// Serve implements HTTPFault.
func (Reset) Serve(ctx context.Context, x Exchange, next Handler) error { return x.Reset() }
