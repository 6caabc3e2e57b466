package behavior

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"flagsuite/chaos/fault"
)

// Options are the --behavior-NAME-OPTION flags of every fault kind,
// registered on one FlagSet.
type Options struct {
	fs    *pflag.FlagSet
	flags []optionFlag
}

type optionFlag struct {
	fault, option, flag string
	value               *string
}

// FlagName is the flag that sets a fault's option: behavior-delay-sleep,
// behavior-limit-data-bytes.
func FlagName(kind, option string) string {
	return "behavior-" + strings.ReplaceAll(kind, "_", "-") + "-" + option
}

// AddFlags registers one string flag per option of every fault kind. They
// are hidden from pflag's own listing, which would drown the main flags;
// PrintUsage lists them by fault instead.
func AddFlags(fs *pflag.FlagSet) *Options {
	o := &Options{fs: fs}
	for _, k := range fault.Kinds() {
		for _, opt := range options(k) {
			name := FlagName(k.Name, opt.Name)
			v := fs.String(name, "", opt.Usage+" (default "+opt.Default+")")
			_ = fs.MarkHidden(name)
			o.flags = append(o.flags, optionFlag{k.Name, opt.Name, name, v})
		}
	}
	return o
}

// Values returns the options set on the command line: fault name → option
// name → value. Options left at their defaults are not included.
func (o *Options) Values() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, f := range o.flags {
		if !o.fs.Changed(f.flag) {
			continue
		}
		if out[f.fault] == nil {
			out[f.fault] = map[string]string{}
		}
		out[f.fault][f.option] = *f.value
	}
	return out
}

// PrintUsage lists the fault kinds of both protocols and their options.
func PrintUsage(w io.Writer) {
	for _, p := range []fault.Protocol{fault.HTTP, fault.TCP} {
		fmt.Fprintf(w, "\nBehaviours with --protocol %s (options as --behavior-NAME-OPTION VALUE):\n", p)
		for _, k := range fault.Kinds() {
			if k.Protocol != p {
				continue
			}
			fmt.Fprintf(w, "  %-11s %s\n", k.Name, k.Usage)
			for _, opt := range options(k) {
				fmt.Fprintf(w, "      --%s %s\n          %s\n", FlagName(k.Name, opt.Name), opt.Default, opt.Usage)
			}
		}
	}
}

// streamOption is the stream of a TCP behaviour, the stream of its toxic.
var streamOption = fault.Option{Name: "stream", Default: "down", Usage: "which stream: down (backend to client), up or both"}

// options lists a kind's options as the command line has them: a TCP
// kind also takes its stream.
func options(k *fault.Kind) []fault.Option {
	if k.Protocol == fault.TCP {
		return append(append([]fault.Option(nil), k.Options...), streamOption)
	}
	return k.Options
}
