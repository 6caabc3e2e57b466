package fault

import (
	"fmt"
	"maps"
	"math"
	"strings"
)

// Config declares one bucket of a --behavior list: a share of the traffic and the
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

// Group is the group of the toxics a --behavior list becomes.
const Group = "behavior"

// Buckets turns the exclusive buckets of a --behavior list (or of a
// "faults" list in a config file) into toxics of one group, so that they
// share one draw and keep Vaurien's meaning: with 25:error,50:delay a
// request gets an error with probability 0.25, a delay with 0.5, and
// passes untouched with the remaining 0.25. Each toxic is named as its
// bucket ("error", "delay+truncate") and carries every option, defaults
// included; a TCP bucket's "stream" option becomes its stream.
func Buckets(cfgs []Config) ([]Toxic, error) {
	var out []Toxic
	seen := map[string]bool{}
	var sum float64
	for _, c := range cfgs {
		if math.IsNaN(c.Percent) || c.Percent < 0 || c.Percent > 100 {
			return nil, fmt.Errorf("%s: percentage %v out of 0-100", c.Name, c.Percent)
		}
		names := c.Names()
		name := strings.Join(names, "+")
		for _, n := range names {
			if n == "" {
				return nil, fmt.Errorf("empty fault name in %q", c.Name)
			}
			if _, ok := Lookup(n); !ok {
				return nil, fmt.Errorf("unknown fault %q (http: %s; tcp: %s)", n, Names(HTTP), Names(TCP))
			}
		}
		if seen[name] {
			return nil, fmt.Errorf("%s listed twice", name)
		}
		seen[name] = true
		sum += c.Percent
		if sum > 100+1e-9 {
			return nil, fmt.Errorf("percentages add up to %s, over 100", sumPercent(cfgs))
		}
		opts := maps.Clone(c.Options)
		stream := "downstream"
		for key, v := range opts {
			if _, opt, _ := strings.Cut(key, "."); key == "stream" || opt == "stream" {
				stream = v
				delete(opts, key)
			}
		}
		perFault, err := splitOptions(names, opts)
		if err != nil {
			return nil, err
		}
		attrs := Attributes{}
		for _, n := range names {
			k, _ := Lookup(n)
			for _, o := range k.Options {
				v, ok := perFault[n][o.Name]
				if !ok {
					v = o.Default
				}
				key := o.Name
				if len(names) > 1 {
					key = n + "." + o.Name
				}
				attrs[key] = v
			}
		}
		out = append(out, Toxic{Name: name, Type: name, Stream: stream, Toxicity: c.Percent / 100, Attributes: attrs, Group: Group})
	}
	return out, nil
}

func sumPercent(cfgs []Config) string {
	var s float64
	for _, c := range cfgs {
		s += c.Percent
	}
	return fmt.Sprintf("%g", s)
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
