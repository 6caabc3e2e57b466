package fault

import (
	"fmt"
	"strings"
)

// Option is one setting of a fault kind, as --behavior-NAME-OPTION sets it.
type Option struct {
	Name    string // "sleep"
	Default string // "1"
	Usage   string
	// Unit is the unit of the option as a Toxiproxy attribute, a JSON
	// number: "ms", "us", "KB/s" or "bytes". "" for chaos's own options,
	// whose attributes are strings in the command line's syntax.
	Unit string
}

// Kind describes one fault: its name, the protocol it works at, its options
// and how to build it from their values.
type Kind struct {
	Name     string // "delay", "limit_data"
	Protocol Protocol
	Usage    string
	Options  []Option

	newHTTP func(o *options) HTTPFault
	newTCP  func(o *options) TCPFault

	buffer         int  // TCP: the stage's input buffer, in chunks (0: the link's default)
	closesOnRemove bool // TCP: removing the toxic closes the connections it ran on
}

// Option returns the option called name.
func (k *Kind) Option(name string) (Option, bool) {
	name = normalizeOption(name)
	for _, o := range k.Options {
		if o.Name == name {
			return o, true
		}
	}
	return Option{}, false
}

// registry lists every kind, HTTP first, in the order help shows them.
var registry = []*Kind{
	delayKind, errorKind, hangKind, blackoutKind, abortKind, resetKind,
	truncateKind, slowKind, transientKind,
	latencyKind, bandwidthKind, slicerKind, limitDataKind, slowCloseKind,
	timeoutKind, resetPeerKind, noopKind,
}

// Kinds returns every fault kind.
func Kinds() []*Kind { return append([]*Kind(nil), registry...) }

// Lookup returns the kind called name; "limit-data" finds "limit_data".
func Lookup(name string) (*Kind, bool) {
	name = NormalizeName(name)
	for _, k := range registry {
		if k.Name == name {
			return k, true
		}
	}
	return nil, false
}

// NormalizeName gives a fault name its canonical spelling: lower case, with
// underscores as Toxiproxy writes them.
func NormalizeName(name string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "-", "_")
}

func normalizeOption(name string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "_", "-")
}

// Names lists the kind names of a protocol, for messages.
func Names(p Protocol) string {
	var names []string
	for _, k := range registry {
		if k.Protocol == p || k.Protocol == Any {
			names = append(names, k.Name)
		}
	}
	return strings.Join(names, ", ")
}

// check builds one instance from vals to validate them.
func (k *Kind) build(vals map[string]string) (any, error) {
	for name := range vals {
		if _, ok := k.Option(name); !ok {
			return nil, fmt.Errorf("%s has no option %q", k.Name, name)
		}
	}
	o := &options{kind: k, vals: vals}
	var f any
	if k.newHTTP != nil {
		f = k.newHTTP(o)
	} else {
		f = k.newTCP(o)
	}
	if o.err != nil {
		return nil, o.err
	}
	return f, nil
}
