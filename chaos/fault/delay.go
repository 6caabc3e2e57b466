package fault

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"
)

var delayKind = &Kind{
	Name:     "delay",
	Protocol: HTTP,
	Usage:    "wait before forwarding the request",
	Options: []Option{
		{"sleep", "1", "how long to wait: seconds (.5) or a Go duration (500ms)", ""},
		{"jitter", "0", "spread around sleep: ±jitter (uniform) or one standard deviation (normal)", ""},
		{"distribution", "uniform", "how jitter is drawn: uniform or normal", ""},
	},
	newHTTP: func(o *options) HTTPFault {
		return &Delay{Sleep: o.duration("sleep"), Jitter: o.duration("jitter"), Normal: o.choice("distribution", "uniform", "normal") == "normal"}
	},
}

// Delay waits before forwarding, as Vaurien's delay did.
type Delay struct {
	Sleep  time.Duration
	Jitter time.Duration
	Normal bool // draw jitter from a normal law instead of uniformly
}

// Duration draws one wait from r.
func (d *Delay) Duration(r *rand.Rand) time.Duration {
	return jittered(d.Sleep, d.Jitter, d.Normal, r)
}

func jittered(base, jitter time.Duration, normal bool, r *rand.Rand) time.Duration {
	if jitter <= 0 {
		return base
	}
	var off float64
	if normal {
		off = r.NormFloat64() * float64(jitter)
	} else {
		off = (r.Float64()*2 - 1) * float64(jitter)
	}
	return max(0, base+time.Duration(off))
}

// Serve implements HTTPFault.
func (d *Delay) Serve(ctx context.Context, x Exchange, next Handler) error {
	wait := d.Duration(x.Rand())
	x.Note(slog.Float64("sleep_ms", float64(wait)/float64(time.Millisecond)))
	if err := sleep(ctx, wait); err != nil {
		return err
	}
	return next(ctx, x)
}
