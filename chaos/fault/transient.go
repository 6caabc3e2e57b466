package fault

import (
	"context"
	"log/slog"
	"net"
	"sync"
)

var transientKind = &Kind{
	Name:     "transient",
	Protocol: HTTP,
	Usage:    "fail the first requests for each key, then let them through",
	Options: []Option{
		{"count", "1", "how many requests fail for each key", ""},
		{"key", "path", "what a key is: path, url (path and query), client (IP address) or host", ""},
		{"status", "503", "status codes to draw from", ""},
		{"retry-after", "0", "add Retry-After with this many seconds (0: no header)", ""},
	},
	newHTTP: func(o *options) HTTPFault {
		return &Transient{
			Count:      o.count("count"),
			Key:        o.choice("key", "path", "url", "client", "host"),
			Error:      Error{Statuses: o.statuses("status"), RetryAfter: o.duration("retry-after")},
			seen:       map[string]int{},
			maxEntries: 1 << 20,
		}
	},
}

// Transient fails the first Count requests of each key, then succeeds: the
// fault that shows whether a client's retries work. The counts belong to
// the toxic as built: changing a proxy's toxics starts them over.
type Transient struct {
	Count int
	Key   string // "path", "url", "client" or "host"
	Error Error  // how it fails

	mu         sync.Mutex     // guards seen
	seen       map[string]int // requests so far per key
	maxEntries int            // bound on seen; past it the map starts over
}

func (t *Transient) key(x Exchange) string {
	r := x.Request()
	switch t.Key {
	case "url":
		return r.Target
	case "client":
		host, _, err := net.SplitHostPort(x.RemoteAddr())
		if err != nil {
			return x.RemoteAddr()
		}
		return host
	case "host":
		return r.Host
	}
	return r.Path()
}

// Serve implements HTTPFault.
func (t *Transient) Serve(ctx context.Context, x Exchange, next Handler) error {
	k := t.key(x)
	t.mu.Lock()
	if len(t.seen) >= t.maxEntries {
		t.seen = map[string]int{} // keep memory bounded under a flood of keys
	}
	n := t.seen[k]
	if n < t.Count {
		t.seen[k] = n + 1
	}
	t.mu.Unlock()
	if n >= t.Count {
		x.Skip()
		return next(ctx, x)
	}
	x.Note(slog.Int("attempt", n+1))
	return t.Error.Serve(ctx, x, next)
}
