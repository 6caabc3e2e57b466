package fault

import (
	"context"
	"log/slog"
)

var abortKind = &Kind{
	Name:     "abort",
	Protocol: HTTP,
	Usage:    "forward the request, then drop the response and close",
	newHTTP:  func(*options) HTTPFault { return Abort{} },
}

// Abort forwards the request, so the backend does the work, then drops the
// response and closes: the case of a non-idempotent request whose outcome
// the client cannot know.
type Abort struct{}

// Serve implements HTTPFault.
func (Abort) Serve(ctx context.Context, x Exchange, next Handler) error {
	if resp, err := x.Forward(ctx); err == nil {
		x.Note(slog.Int("dropped_status", resp.Status))
	}
	return x.Close()
}
