package fault

import (
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Toxic is one fault of a proxy in Toxiproxy's model and JSON shape: a
// named fault of a type, on a stream, with its own chance (toxicity) and
// its attributes. chaos's HTTP faults are more types in the same model.
//
// A toxic draws its own chance: per connection for TCP toxics, per request
// for HTTP ones. Toxics of one Group share a single draw and each takes
// the next slice of it, in order: that is how the Vaurien command line's
// exclusive percentages (--behavior 25:error,50:delay) keep their meaning.
type Toxic struct {
	Name       string     `json:"name"`
	Type       string     `json:"type"`
	Stream     string     `json:"stream"`
	Toxicity   float64    `json:"toxicity"`
	Attributes Attributes `json:"attributes"`
	Group      string     `json:"group,omitempty"`
}

// Attributes are a toxic's settings. Toxiproxy's own attributes are JSON
// numbers in its units (latency in ms, rate in KB/s, slicer delay in µs,
// sizes in bytes); chaos's are strings in the command line's syntax
// ("status": "429,500-503", "sleep": "0.5"). A string is accepted for a
// number too, read in the command line's syntax ("300ms", "10k").
type Attributes map[string]any

// MaxToxics bounds the toxics of one proxy.
const MaxToxics = 64

// Errors a Set reports, for the API to map to Toxiproxy's statuses.
var (
	ErrExists   = errors.New("toxic already exists")
	ErrNotFound = errors.New("toxic not found")
)

// Built is a validated toxic with its faults made, as the data path uses it.
type Built struct {
	Toxic // canonical: type and stream spelt out, every attribute present
	Dir   Direction
	HTTP  []HTTPFault // the type's faults, applied in order
	TCP   []TCPFault
	// Buffer is the input buffer a TCP stage asks for (0: the default).
	Buffer int
	// ClosesOnRemove: removing the toxic ends the connections it ran on.
	ClosesOnRemove bool

	key    uint64 // picks this toxic's draw out of a request's or connection's
	lo, hi uint32 // the slice of the draw that fires it, in 1/scale
}

// Key returns the number that picks this toxic's (or group's) draw.
func (b *Built) Key() uint64 { return b.key }

// Fires reports whether the toxic acts on the request or connection whose
// draw is u. Each toxic (or group) looks at its own bits of u, so toxics
// draw independently; the same u always gives the same answer, which is
// what makes seeded runs repeat.
func (b *Built) Fires(u uint64) bool {
	x := uint32((mix64(u^b.key) >> 32) * scale >> 32)
	return x >= b.lo && x < b.hi
}

// scale is the resolution of toxicity: a millionth.
const scale = 1_000_000

// mix64 is SplitMix64's finaliser.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// Set is an immutable, ordered list of a proxy's toxics. A proxy swaps a
// whole new Set in when its toxics change, so traffic never waits on the
// control API. A nil *Set has no toxics.
type Set struct {
	explicit Protocol // what the proxy was told: HTTP, TCP or Any (decide by the toxics)
	protocol Protocol // what it does: the explicit one, or the toxics' own
	toxics   []*Built
}

// NewSet validates toxics for a proxy of protocol p (Any: framing HTTP
// when an HTTP toxic is present, relaying TCP otherwise) and builds them.
func NewSet(p Protocol, toxics []Toxic) (*Set, error) {
	if p != HTTP && p != TCP && p != Any {
		return nil, fmt.Errorf("unknown protocol %q: http or tcp", p)
	}
	if len(toxics) > MaxToxics {
		return nil, fmt.Errorf("%d toxics: at most %d on a proxy", len(toxics), MaxToxics)
	}
	s := &Set{explicit: p, protocol: p}
	names := map[string]bool{}
	groups := map[string]uint32{} // where the next toxic of each group starts
	for _, t := range toxics {
		b, err := build(t)
		if err != nil {
			return nil, err
		}
		if names[b.Name] {
			return nil, fmt.Errorf("%w: %s", ErrExists, b.Name)
		}
		names[b.Name] = true
		for _, name := range strings.Split(b.Type, "+") {
			k, _ := Lookup(name)
			if k.Protocol == Any {
				continue
			}
			if s.protocol == Any {
				s.protocol = k.Protocol
			}
			if k.Protocol != s.protocol {
				if p == Any {
					return nil, fmt.Errorf("%s is a %s toxic and this proxy has %s toxics: a proxy frames HTTP or relays TCP, not both", name, k.Protocol, s.protocol)
				}
				return nil, fmt.Errorf("%s is a %s toxic; this proxy works at %s level", name, k.Protocol, p)
			}
		}
		width := uint32(math.Round(b.Toxicity * scale))
		b.key = hashString("toxic " + b.Name)
		if b.Group != "" {
			b.key = hashString("group " + b.Group)
			b.lo = groups[b.Group]
			if b.lo+width > scale+scale/1_000_000 {
				return nil, fmt.Errorf("the toxicities of group %q add up to over 1", b.Group)
			}
			groups[b.Group] = b.lo + width
		}
		b.hi = min(b.lo+width, scale)
		s.toxics = append(s.toxics, b)
	}
	return s, nil
}

func hashString(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// build validates one toxic and makes its faults.
func build(t Toxic) (*Built, error) {
	b := &Built{Toxic: t}
	typ := strings.Split(t.Type, "+")
	for i, n := range typ {
		typ[i] = NormalizeName(n)
		if _, ok := Lookup(typ[i]); !ok {
			if t.Type == "" {
				return nil, errors.New("a toxic needs a type")
			}
			return nil, fmt.Errorf("invalid toxic type %q (http: %s; tcp: %s)", n, Names(HTTP), Names(TCP))
		}
	}
	b.Type = strings.Join(typ, "+")
	dir, err := ParseDirection(cmpOr(t.Stream, "downstream"))
	if err != nil {
		return nil, fmt.Errorf("stream was invalid, can be either upstream or downstream (or both): %q", t.Stream)
	}
	b.Dir, b.Stream = dir, dir.String()
	if b.Name == "" {
		b.Name = b.Type + "_" + b.Stream
	}
	if math.IsNaN(t.Toxicity) || t.Toxicity < 0 || t.Toxicity > 1 {
		return nil, fmt.Errorf("%s: toxicity %v out of 0-1", b.Name, t.Toxicity)
	}
	vals, err := optionValues(typ, t.Attributes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name, err)
	}
	perFault, err := splitOptions(typ, vals)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name, err)
	}
	b.Attributes = Attributes{}
	for _, name := range typ {
		k, _ := Lookup(name)
		f, err := k.build(perFault[name])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.Name, err)
		}
		if hf, ok := f.(HTTPFault); ok && k.Protocol != TCP {
			b.HTTP = append(b.HTTP, hf)
		}
		if tf, ok := f.(TCPFault); ok && k.Protocol != HTTP {
			b.TCP = append(b.TCP, tf)
		}
		b.Buffer = max(b.Buffer, k.buffer)
		b.ClosesOnRemove = b.ClosesOnRemove || k.closesOnRemove
		for _, o := range k.Options {
			key := strings.ReplaceAll(o.Name, "-", "_")
			if len(typ) > 1 {
				key = name + "." + key
			}
			b.Attributes[key] = canonical(o, perFault[name][o.Name])
		}
	}
	return b, nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// optionValues turns attributes into option values in the command line's
// syntax, keyed as splitOptions expects ("sleep", "delay.sleep"), and
// gives every option left out its default: 0 for Toxiproxy's own
// attributes, as toxiproxy-server does, chaos's default for the others.
func optionValues(typ []string, attrs Attributes) (map[string]string, error) {
	vals := map[string]string{}
	for key, v := range attrs {
		kind, opt, qualified := strings.Cut(key, ".")
		if !qualified {
			kind, opt = "", key
		}
		opt = normalizeOption(opt)
		o, ok := findOption(typ, NormalizeName(kind), opt)
		if !ok {
			return nil, fmt.Errorf("%s has no attribute %q", strings.Join(typ, "+"), key)
		}
		s, err := attrString(o, v)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", key, err)
		}
		if qualified {
			vals[NormalizeName(kind)+"."+opt] = s
		} else {
			vals[opt] = s
		}
	}
	for _, name := range typ {
		k, _ := Lookup(name)
		for _, o := range k.Options {
			_, bare := vals[o.Name]
			_, qual := vals[name+"."+o.Name]
			if bare || qual {
				continue
			}
			def := o.Default
			if o.Unit != "" {
				def = "0"
			}
			if len(typ) > 1 {
				vals[name+"."+o.Name] = def
			} else {
				vals[o.Name] = def
			}
		}
	}
	return vals, nil
}

// findOption finds the option opt of the kind called kind, or of the first
// kind of typ that has it when kind is "".
func findOption(typ []string, kind, opt string) (Option, bool) {
	for _, name := range typ {
		if kind != "" && name != kind {
			continue
		}
		k, _ := Lookup(name)
		if o, ok := k.Option(opt); ok {
			return o, true
		}
	}
	return Option{}, false
}

// attrString reads an attribute value as the command line would write it.
func attrString(o Option, v any) (string, error) {
	var f float64
	switch v := v.(type) {
	case string:
		return v, nil
	case float64:
		f = v
	case float32:
		f = float64(v)
	case int:
		f = float64(v)
	case int64:
		f = float64(v)
	default:
		return "", fmt.Errorf("want a number or a string, got %v", v)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "", fmt.Errorf("bad number %v", f)
	}
	num := strconv.FormatFloat(f, 'f', -1, 64)
	switch o.Unit {
	case "ms", "us":
		return num + o.Unit, nil
	case "KB/s":
		return strconv.FormatFloat(f*1000, 'f', -1, 64), nil
	}
	return num, nil
}

// canonical is how a toxic shows an option value: a number in Toxiproxy's
// unit for its own attributes, the string otherwise.
func canonical(o Option, v string) any {
	var f float64
	switch o.Unit {
	case "":
		return v
	case "ms", "us":
		d, err := ParseDuration(v)
		if err != nil {
			return v
		}
		f = float64(d) / 1e6
		if o.Unit == "us" {
			f = float64(d) / 1e3
		}
	case "KB/s", "bytes":
		n, err := ParseSize(v)
		if err != nil {
			return v
		}
		f = float64(n)
		if o.Unit == "KB/s" {
			f /= 1000
		}
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return int64(f)
	}
	return f
}

// Protocol returns what the toxics make the proxy do: HTTP, TCP, or Any
// when it was not told and no toxic decides.
func (s *Set) Protocol() Protocol {
	if s == nil {
		return Any
	}
	return s.protocol
}

// Explicit returns the protocol the set was made for (Any: decided by the
// toxics).
func (s *Set) Explicit() Protocol {
	if s == nil {
		return Any
	}
	return s.explicit
}

// Built returns the toxics, in order, for the data path. The caller must
// not change them.
func (s *Set) Built() []*Built {
	if s == nil {
		return nil
	}
	return s.toxics
}

// Len returns how many toxics there are.
func (s *Set) Len() int { return len(s.Built()) }

// Toxics returns copies of the toxics, in order.
func (s *Set) Toxics() []Toxic {
	out := make([]Toxic, 0, s.Len())
	for _, b := range s.Built() {
		out = append(out, b.copy())
	}
	return out
}

func (b *Built) copy() Toxic {
	t := b.Toxic
	t.Attributes = maps.Clone(b.Attributes)
	return t
}

// Get returns the toxic called name.
func (s *Set) Get(name string) (*Built, bool) {
	for _, b := range s.Built() {
		if b.Name == name {
			return b, true
		}
	}
	return nil, false
}

// Add returns the set with t added at the end.
func (s *Set) Add(t Toxic) (*Set, error) {
	return NewSet(s.Explicit(), append(s.Toxics(), t))
}

// Update returns the set with the attributes given merged into the toxic
// called name, and its toxicity changed when toxicity is not nil, as
// Toxiproxy's update does; its name, type and stream stay.
func (s *Set) Update(name string, attrs Attributes, toxicity *float64) (*Set, error) {
	ts := s.Toxics()
	i := slices.IndexFunc(ts, func(t Toxic) bool { return t.Name == name })
	if i < 0 {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, name)
	}
	for k, v := range attrs {
		// A key written another way ("average-size") replaces its
		// canonical spelling.
		for old := range ts[i].Attributes {
			if normalizeOption(old) == normalizeOption(k) {
				delete(ts[i].Attributes, old)
			}
		}
		ts[i].Attributes[k] = v
	}
	if toxicity != nil {
		ts[i].Toxicity = *toxicity
	}
	return NewSet(s.Explicit(), ts)
}

// Remove returns the set without the toxic called name.
func (s *Set) Remove(name string) (*Set, error) {
	ts := s.Toxics()
	i := slices.IndexFunc(ts, func(t Toxic) bool { return t.Name == name })
	if i < 0 {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, name)
	}
	return NewSet(s.Explicit(), slices.Delete(ts, i, i+1))
}
