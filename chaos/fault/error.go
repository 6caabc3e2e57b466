package fault

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

var errorKind = &Kind{
	Name:     "error",
	Protocol: HTTP,
	Usage:    "answer with an HTTP error without contacting the backend",
	Options: []Option{
		{"status", "500-503", "status codes to draw from: 503, 500-503 or 429,500-504", ""},
		{"retry-after", "0", "add Retry-After with this many seconds (0: no header)", ""},
	},
	newHTTP: func(o *options) HTTPFault {
		return &Error{Statuses: o.statuses("status"), RetryAfter: o.duration("retry-after")}
	},
}

// Error answers with an error status drawn from Statuses, as Vaurien's
// error did with 500–503.
type Error struct {
	Statuses   Statuses
	RetryAfter time.Duration // 0: no Retry-After header
}

// Serve implements HTTPFault.
func (e *Error) Serve(ctx context.Context, x Exchange, next Handler) error {
	status := e.Statuses.Pick(x.Rand().IntN(e.Statuses.Count()))
	return x.Reply(status, retryAfter(e.RetryAfter), errorBody(status))
}

func retryAfter(d time.Duration) http.Header {
	if d <= 0 {
		return nil
	}
	secs := int64((d + time.Second - 1) / time.Second)
	return http.Header{"Retry-After": {strconv.FormatInt(secs, 10)}}
}

func errorBody(status int) string {
	text := http.StatusText(status)
	if text == "" {
		text = "Error"
	}
	return strconv.Itoa(status) + " " + text + " (injected by chaos)\n"
}
