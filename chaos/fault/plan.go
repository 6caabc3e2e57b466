package fault

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// Config declares one bucket of a plan: a share of the traffic and the
// fault (or "+"-joined faults, applied in order) it gets. It is what the
// --behavior list, the --config file and the control API all produce.
type Config struct {
	Name    string            `json:"name"`              // "error", or "delay+truncate"
	Percent float64           `json:"percent"`           // share of requests (TCP: connections), 0–100
	Options map[string]string `json:"options,omitempty"` // "sleep": "0.5"; in a composition "delay.sleep"
}

// Names returns the fault names of a bucket, canonical.
func (c Config) Names() []string {
	parts := strings.Split(c.Name, "+")
	for i, p := range parts {
		parts[i] = NormalizeName(p)
	}
	return parts
}

// scale is the resolution of percentages: a millionth of the traffic.
const scale = 1_000_000

// Bucket is one exclusive share of the traffic and its fault chain.
type Bucket struct {
	Name    string     // canonical: "delay+truncate"
	Handler Handler    // HTTP: the chain, ending in Exchange.Pass
	TCP     []TCPFault // TCP: the stages, in order

	upto uint32 // cumulative share, in units of 1/scale
}

// Plan is an immutable set of buckets. A nil *Plan, or one without buckets,
// lets everything pass.
type Plan struct {
	protocol Protocol
	configs  []Config
	buckets  []Bucket
}

// NewPlan validates cfgs for protocol p and builds their faults. It refuses
// unknown names, faults of the other protocol, unknown or bad options,
// percentages out of 0–100 or adding up to more than 100, and a fault listed
// twice.
func NewPlan(p Protocol, cfgs []Config) (*Plan, error) {
	if p != HTTP && p != TCP {
		return nil, fmt.Errorf("unknown protocol %q: http or tcp", p)
	}
	plan := &Plan{protocol: p}
	seen := map[string]bool{}
	var sum float64
	for _, c := range cfgs {
		if math.IsNaN(c.Percent) || c.Percent < 0 || c.Percent > 100 {
			return nil, fmt.Errorf("%s: percentage %v out of 0-100", c.Name, c.Percent)
		}
		b, err := newBucket(p, c)
		if err != nil {
			return nil, err
		}
		if seen[b.Name] {
			return nil, fmt.Errorf("%s listed twice", b.Name)
		}
		seen[b.Name] = true
		sum += c.Percent
		if sum > 100+1e-9 {
			return nil, fmt.Errorf("percentages add up to %s, over 100", sumPercent(cfgs))
		}
		b.upto = min(uint32(math.Round(sum*scale/100)), scale)
		plan.buckets = append(plan.buckets, b)
		c.Name = b.Name
		c.Options = maps.Clone(c.Options)
		plan.configs = append(plan.configs, c)
	}
	return plan, nil
}

func sumPercent(cfgs []Config) string {
	var s float64
	for _, c := range cfgs {
		s += c.Percent
	}
	return fmt.Sprintf("%g", s)
}

func newBucket(p Protocol, c Config) (Bucket, error) {
	names := c.Names()
	b := Bucket{Name: strings.Join(names, "+")}
	if len(names) == 0 || slices.Contains(names, "") {
		return b, fmt.Errorf("empty fault name in %q", c.Name)
	}
	perFault, err := splitOptions(names, c.Options)
	if err != nil {
		return b, err
	}
	var https []HTTPFault
	for _, name := range names {
		k, ok := Lookup(name)
		if !ok {
			return b, fmt.Errorf("unknown fault %q (http: %s; tcp: %s)", name, Names(HTTP), Names(TCP))
		}
		if k.Protocol != p {
			return b, fmt.Errorf("%s is a %s fault; this proxy works at %s level", name, k.Protocol, p)
		}
		f, err := k.build(perFault[name])
		if err != nil {
			return b, err
		}
		switch f := f.(type) {
		case HTTPFault:
			https = append(https, f)
		case TCPFault:
			b.TCP = append(b.TCP, f)
		}
	}
	if p == HTTP {
		b.Handler = chain(https)
	}
	return b, nil
}

// chain builds the middleware once per plan, not per request.
func chain(fs []HTTPFault) Handler {
	h := Handler(func(ctx context.Context, x Exchange) error { return x.Pass(ctx) })
	for i := len(fs) - 1; i >= 0; i-- {
		f, next := fs[i], h
		h = func(ctx context.Context, x Exchange) error { return f.Serve(ctx, x, next) }
	}
	return h
}

// splitOptions gives each fault of a bucket its options: "delay.sleep" goes
// to delay; a bare "sleep" to every fault of the bucket that has it.
func splitOptions(names []string, opts map[string]string) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	for _, n := range names {
		out[n] = map[string]string{}
	}
	for key, v := range opts {
		if fname, opt, ok := strings.Cut(key, "."); ok {
			fname = NormalizeName(fname)
			if _, in := out[fname]; !in {
				return nil, fmt.Errorf("option %q names %s, which is not in %s", key, fname, strings.Join(names, "+"))
			}
			out[fname][normalizeOption(opt)] = v
			continue
		}
		used := false
		for _, n := range names {
			if k, ok := Lookup(n); ok {
				if _, has := k.Option(key); has {
					out[n][normalizeOption(key)] = v
					used = true
				}
			} else {
				used = true // the unknown name is reported by the caller
			}
		}
		if !used {
			return nil, fmt.Errorf("%s has no option %q", strings.Join(names, "+"), key)
		}
	}
	return out, nil
}

// Protocol returns the protocol the plan was built for.
func (p *Plan) Protocol() Protocol { return p.protocol }

// Configs returns a copy of the configs the plan was built from.
func (p *Plan) Configs() []Config {
	if p == nil {
		return nil
	}
	out := make([]Config, len(p.configs))
	for i, c := range p.configs {
		c.Options = maps.Clone(c.Options)
		out[i] = c
	}
	return out
}

// Empty reports whether the plan lets everything pass.
func (p *Plan) Empty() bool { return p == nil || len(p.buckets) == 0 }

// Pick returns the bucket that a uniformly distributed u falls in, or nil to
// pass untouched. The same u always picks the same bucket, which is what
// makes --seed runs repeat.
func (p *Plan) Pick(u uint64) *Bucket {
	if p.Empty() {
		return nil
	}
	x := uint32((u >> 32) * scale >> 32)
	for i := range p.buckets {
		if x < p.buckets[i].upto {
			return &p.buckets[i]
		}
	}
	return nil
}

// ErrNotFound reports a fault name missing from a plan.
var ErrNotFound = errors.New("no such fault")

// Without returns the configs of p minus the bucket called name.
func (p *Plan) Without(name string) ([]Config, error) {
	name = strings.Join(Config{Name: name}.Names(), "+")
	out := p.Configs()
	for i, c := range out {
		if c.Name == name {
			return append(out[:i], out[i+1:]...), nil
		}
	}
	return nil, fmt.Errorf("%w: %s", ErrNotFound, name)
}
