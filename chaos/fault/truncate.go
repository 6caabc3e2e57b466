package fault

import (
	"context"
	"io"
	"log/slog"

	"flagsuite/chaos/wire"
)

var truncateKind = &Kind{
	Name:     "truncate",
	Protocol: HTTP,
	Usage:    "cut the response body short, then close the connection",
	Options: []Option{
		{"bytes", "0", "keep this many body bytes (0: use fraction)", ""},
		{"fraction", "0.5", "keep this share of Content-Length; bodies of unknown length keep 1k", ""},
	},
	newHTTP: func(o *options) HTTPFault {
		return &Truncate{Bytes: o.size("bytes"), Fraction: o.fraction("fraction")}
	},
}

// unknownLengthKeep is what Truncate keeps of a body whose length the head
// does not give, when no byte count was set.
const unknownLengthKeep = 1 << 10

// Truncate cuts the response body after Bytes bytes or a Fraction of its
// Content-Length. The head still promises the full length, so the client
// sees a short body and then the connection closing.
type Truncate struct {
	Bytes    int64
	Fraction float64
}

// Keep returns how many body bytes to keep for a response.
func (t *Truncate) Keep(resp *wire.Response) int64 {
	switch {
	case t.Bytes > 0:
		return t.Bytes
	case resp.Mode == wire.Length:
		return int64(t.Fraction * float64(resp.Length))
	}
	return unknownLengthKeep
}

// Serve implements HTTPFault.
func (t *Truncate) Serve(ctx context.Context, x Exchange, next Handler) error {
	x.FilterBody(func(resp *wire.Response, body io.Reader) io.Reader {
		keep := t.Keep(resp)
		x.Note(slog.Int64("kept", keep))
		return io.LimitReader(body, keep)
	})
	return next(ctx, x)
}
