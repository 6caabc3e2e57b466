package bench

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"flagsuite/chaos/behavior"
	"flagsuite/common/cli"
	"flagsuite/common/command"
	"flagsuite/common/strategy"
)

// Defaults of the options, chosen so that a bare "flags2 bench" finishes
// in about a minute on two cores (see the README).
const (
	DefaultReps      = 3
	DefaultDelay     = 150 * time.Millisecond
	DefaultMaxCell   = 12 * time.Second
	DefaultSVG       = "bench.svg"
	DefaultFaultsSVG = "bench-faults.svg"
	DefaultNoise     = 0.25
	DefaultMaxReps   = 6
	DefaultSubset    = 10
)

// Default lists of the matrix.
var (
	DefaultStrategies = strategyNames()
	DefaultServers    = []string{"LOCAL", "DELAY", "ERROR"}
	DefaultCodes      = []string{"-a", "-e"}
	DefaultLadder     = []int{1, 10, 100, 1000}
)

// Usage is the usage line of the sub-command.
const Usage = "usage: flags2 bench [-h] [--strategies LIST] [--servers LIST] [--codes LIST] [--ladder LIST]\n" +
	"                    [--reps N] [--delay D] [--json | --csv] [--svg FILE] [--external 'CMD {base_url}']\n" +
	"                    [--client 'BINARY [OPTIONS]']\n" +
	"       flags2 bench --faults [--error-rates LIST] [--retries LIST] [--delays LIST] [--timeouts LIST]\n" +
	"                    [--behavior LIST ...] [--seed N] [--json | --csv] [--svg FILE]"

// Output formats of the results on stdout.
const (
	formatTable = "table"
	formatJSON  = "json"
	formatCSV   = "csv"
)

// options is a parsed command line: the measurement's Config and what to do
// with its results.
type options struct {
	cfg    Config
	format string // formatTable, formatJSON or formatCSV
	svg    string // file for the plot; "" for none
	quiet  bool
}

// parse reads the sub-command's arguments (after "bench").
func parse(args []string, stdout io.Writer) (options, error) {
	fs := pflag.NewFlagSet("flags2 bench", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.SortFlags = false

	var (
		o                                  options
		strategies, serverList, codes, lad []string
		jsonOut, csvOut                    bool
		limit                              int
		seed                               int64
	)
	c := &o.cfg
	fs.StringSliceVar(&strategies, "strategies", DefaultStrategies, "strategies to measure, a comma `LIST`")
	fs.StringSliceVar(&serverList, "servers", DefaultServers, "in-process servers to measure against, a comma `LIST` of LOCAL, DELAY, ERROR")
	fs.StringSliceVar(&codes, "codes", DefaultCodes, "code sets, a comma `LIST` of -a (194 codes) and -e (676)")
	fs.StringSliceVar(&lad, "ladder", intStrings(DefaultLadder), "concurrency rungs -m, a comma `LIST` of 1 to 1000")
	fs.IntVar(&c.Reps, "reps", DefaultReps, "`N` runs of each cell; the table shows the median")
	fs.DurationVar(&c.Delay, "delay", DefaultDelay, "DELAY's fixed wait `D` before every GET")
	fs.DurationVar(&c.ErrorDelay, "error-delay", 0, "ERROR's wait `D` before every GET (the book's is 0.5s)")
	fs.Float64Var(&c.ErrorRate, "error-rate", 0.25, "ERROR's share `R` of GETs answered 418")
	fs.Int64Var(&seed, "seed", 1, "ERROR's random `SEED`: every run replays the same sequence of failures")
	fs.DurationVar(&c.MaxCell, "max-cell", DefaultMaxCell, "skip cells whose ideal time ⌈N/m⌉·wait exceeds `D`, and repeat a cell only as often as fits in D")
	fs.Float64Var(&c.Noise, "noise", DefaultNoise, "a cell whose spread is over `R` is noisy: it gets more runs, and is marked if it stays so")
	fs.IntVar(&c.MaxReps, "max-reps", DefaultMaxReps, "at most `N` runs of a noisy cell (as many as fit in --max-cell)")
	fs.IntVar(&c.Subset, "subset", DefaultSubset, "measure sequential cells over --max-cell on their first `N` codes, scaled to the set (0: skip them)")
	fs.IntVarP(&limit, "limit", "l", 0, "cut each code set to its first `N` codes")
	fs.BoolVar(&jsonOut, "json", false, "print the rows as one JSON array instead of the table")
	fs.BoolVar(&csvOut, "csv", false, "print the rows as CSV instead of the table")
	fs.StringVar(&o.svg, "svg", DefaultSVG, "write the plot to `FILE` (\"\" for none)")
	fs.StringArrayVar(&c.External, "external", nil, "also time `CMD` on the same servers, with {base_url} {server} {codes} {m} replaced; repeatable")
	fs.StringVar(&c.Client, "client", "", "the flags2-compatible `BINARY` to measure, with any options of its own (default: this program); e.g. a build of flags3, or '/tmp/flags3 --order book'")
	fs.StringVar(&c.Dest, "dest", "", "folder `DIR` in which each run gets a fresh download folder (default: the system's temporary folder)")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "no progress on stderr")

	var (
		faults       bool
		rates        []float64
		retries      []int
		delays       []string
		timeouts     []time.Duration
		behaviors    []string
		chaosTimeout time.Duration
	)
	fs.BoolVar(&faults, "faults", false, "run the error-handling experiments instead: each of the three below, with its defaults, unless some of their lists are given")
	fs.Float64SliceVar(&rates, "error-rates", nil, "errors experiment: shares `LIST` of GETs answered 418 (default 0.1,0.25,0.5)")
	fs.IntSliceVar(&retries, "retries", nil, "errors experiment: the client's --retries, a `LIST` (default 0,1,3)")
	fs.StringSliceVar(&delays, "delays", nil, "timeouts experiment: server wait ranges, a `LIST` like 0.5s-5s (the book's DELAY, the default)")
	fs.DurationSliceVar(&timeouts, "timeouts", nil, "timeouts experiment: the client's --timeout, a `LIST` (default 1s,2s,5s)")
	fs.StringArrayVar(&behaviors, "behavior", nil, "chaos experiment: a Vaurien `LIST` like 25:error,50:delay through the chaos proxy; repeatable (default the book's line and 10:reset,10:hang,10:truncate,10:error)")
	fs.DurationVar(&chaosTimeout, "chaos-timeout", DefaultChaosTimeout, "chaos experiment: the client's --timeout `D`, what a hang costs")

	err := fs.Parse(args)
	if errors.Is(err, pflag.ErrHelp) {
		// command.Options omits empty defaults of plain values, not these.
		opts := strings.NewReplacer(" (default [])", "", " (default 0s)", "").Replace(command.Options(fs))
		fmt.Fprintf(stdout, "%s\n\n%s\n\n%s", Usage, summary, opts)
		return options{}, command.ErrHelp
	}
	if err != nil {
		return options{}, command.Usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return options{}, command.Usagef("flags2 bench takes no arguments; got %q", fs.Arg(0))
	}

	if c.Strategies, err = pickStrategies(strategies); err != nil {
		return options{}, err
	}
	if c.Servers, err = pickServers(serverList); err != nil {
		return options{}, err
	}
	if c.Codes, err = pickCodes(codes); err != nil {
		return options{}, err
	}
	if c.Ladder, err = pickLadder(lad); err != nil {
		return options{}, err
	}
	switch {
	case c.Reps < 1:
		return options{}, command.Usagef("--reps N must be >= 1; got %d", c.Reps)
	case c.Delay <= 0:
		return options{}, command.Usagef("--delay D must be > 0; got %s", c.Delay)
	case c.ErrorDelay < 0:
		return options{}, command.Usagef("--error-delay D must be >= 0; got %s", c.ErrorDelay)
	case c.ErrorRate < 0 || c.ErrorRate > 1:
		return options{}, command.Usagef("--error-rate R must be 0 to 1; got %g", c.ErrorRate)
	case c.MaxCell <= 0:
		return options{}, command.Usagef("--max-cell D must be > 0; got %s", c.MaxCell)
	case c.Noise <= 0:
		return options{}, command.Usagef("--noise R must be > 0; got %g", c.Noise)
	case c.MaxReps < 1:
		return options{}, command.Usagef("--max-reps N must be >= 1; got %d", c.MaxReps)
	case c.Subset < 0:
		return options{}, command.Usagef("--subset N must be >= 0; got %d", c.Subset)
	case limit < 0:
		return options{}, command.Usagef("--limit N must be >= 1; got %d", limit)
	case jsonOut && csvOut:
		return options{}, command.Usagef("--json and --csv cannot be used together")
	}
	if c.ErrorRate == 0 {
		c.ErrorRate = -1 // site.Config: negative means none, zero the book's 25 %
	}
	if c.Subset == 0 {
		c.Subset = -1 // Config: zero is the default, negative none
	}
	c.Seed, c.Limit = seed, limit
	for _, ext := range c.External {
		if !strings.Contains(ext, "{base_url}") {
			return options{}, command.Usagef("--external CMD must contain {base_url}; got %q", ext)
		}
	}
	if faults || fs.Changed("error-rates") || fs.Changed("retries") || fs.Changed("delays") || fs.Changed("timeouts") ||
		fs.Changed("behavior") {
		f, err := faultsOf(fs, rates, retries, delays, timeouts, behaviors, chaosTimeout)
		if err != nil {
			return options{}, err
		}
		c.Faults = f
		switch {
		case len(c.External) > 0:
			return options{}, command.Usagef("--external has no place in the error-handling experiments")
		case fs.Changed("servers"):
			return options{}, command.Usagef("--servers has no place in the error-handling experiments: each makes its own")
		}
		// The experiments compare faults, not strategies or rungs: one of
		// each unless asked, and one run per cell, since the faults repeat.
		if !fs.Changed("strategies") {
			c.Strategies = []string{"loop"}
			f.ChaosStrategies = []string{"pool", "loop"}
		}
		if !fs.Changed("ladder") {
			c.Ladder = []int{100}
		}
		if !fs.Changed("codes") {
			c.Codes = []string{"-a"}
		}
		if !fs.Changed("reps") {
			c.Reps = 1
		}
		if !fs.Changed("svg") {
			o.svg = DefaultFaultsSVG
		}
	}
	o.format = formatTable
	if jsonOut {
		o.format = formatJSON
	} else if csvOut {
		o.format = formatCSV
	}
	return o, nil
}

const summary = `Measures the strategies of flags2 against in-process LOCAL, DELAY and ERROR
servers over a ladder of concurrency: each measured run is a child process of
this program, timed by its own --json report. Prints a table (or JSON, CSV)
and writes an SVG plot of time against concurrency.

With --faults (or any of its lists), runs error-handling experiments instead:
error rate × retries, server delay × client timeout, and Vaurien behaviours
through an in-process chaos proxy × strategy, all seeded, so that a rerun meets
the same faults; a table (or JSON, CSV) and a plot of success against error rate.`

func pickStrategies(list []string) ([]string, error) {
	return pickFrom("--strategies", list, DefaultStrategies, strings.ToLower)
}

// strategyNames is strategy.All as the plain strings the bench's rows carry.
func strategyNames() []string {
	var s []string
	for _, n := range strategy.All {
		s = append(s, string(n))
	}
	return s
}

func pickServers(list []string) ([]string, error) {
	return pickFrom("--servers", list, DefaultServers, strings.ToUpper)
}

// pickFrom checks a non-empty list against the allowed values, after
// trimming and case-folding each item, and drops repeats.
func pickFrom(flag string, list, allowed []string, fold func(string) string) ([]string, error) {
	var out []string
	for _, s := range list {
		s = fold(strings.TrimSpace(s))
		if !slices.Contains(allowed, s) {
			return nil, command.Usagef("%s must list %s; got %q", flag, strings.Join(allowed, ", "), s)
		}
		out = appendNew(out, s)
	}
	if len(out) == 0 {
		return nil, command.Usagef("%s must not be empty", flag)
	}
	return out, nil
}

// pickCodes accepts -a and -e as the client spells them, and a, e, all,
// every for ease of typing.
func pickCodes(list []string) ([]string, error) {
	var out []string
	for _, s := range list {
		switch strings.ToLower(strings.TrimLeft(strings.TrimSpace(s), "-")) {
		case "a", "all":
			out = appendNew(out, "-a")
		case "e", "every":
			out = appendNew(out, "-e")
		default:
			return nil, command.Usagef("--codes must list -a, -e; got %q", s)
		}
	}
	if len(out) == 0 {
		return nil, command.Usagef("--codes must not be empty")
	}
	return out, nil
}

func pickLadder(list []string) ([]int, error) {
	var out []int
	for _, s := range list {
		m, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || m < 1 || m > cli.MaxConcurrency {
			return nil, command.Usagef("--ladder must list whole numbers from 1 to %d; got %q", cli.MaxConcurrency, s)
		}
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		return nil, command.Usagef("--ladder must not be empty")
	}
	slices.Sort(out)
	return out, nil
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

func intStrings(ns []int) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = strconv.Itoa(n)
	}
	return out
}

// faultsOf reads the experiments' lists: those given, with the defaults of
// the others in their experiment; with none given (--faults alone), all
// three experiments with their defaults.
func faultsOf(fs *pflag.FlagSet, rates []float64, retries []int, delays []string, timeouts []time.Duration,
	behaviors []string, chaosTimeout time.Duration) (*Faults, error) {
	errorsSet := fs.Changed("error-rates") || fs.Changed("retries")
	timeoutsSet := fs.Changed("delays") || fs.Changed("timeouts")
	chaosSet := fs.Changed("behavior")
	all := !errorsSet && !timeoutsSet && !chaosSet
	f := &Faults{ChaosTimeout: chaosTimeout}
	if chaosTimeout <= 0 {
		return nil, command.Usagef("--chaos-timeout D must be > 0; got %s", chaosTimeout)
	}
	if all || errorsSet {
		f.ErrorRates, f.Retries = cmpOr(rates, DefaultErrorRates), cmpOr(retries, DefaultRetries)
		for _, r := range f.ErrorRates {
			if r < 0 || r > 1 {
				return nil, command.Usagef("--error-rates must list shares from 0 to 1; got %g", r)
			}
		}
		for _, n := range f.Retries {
			if n < 0 {
				return nil, command.Usagef("--retries must list whole numbers >= 0; got %d", n)
			}
		}
	}
	if all || timeoutsSet {
		f.Timeouts = cmpOr(timeouts, DefaultTimeouts)
		for _, t := range f.Timeouts {
			if t <= 0 {
				return nil, command.Usagef("--timeouts must list durations > 0; got %s", t)
			}
		}
		f.Delays = DefaultDelays
		if len(delays) > 0 {
			f.Delays = nil
			for _, d := range delays {
				r, err := ParseDelayRange(d)
				if err != nil {
					return nil, command.Usagef("--delays: %v", err)
				}
				f.Delays = append(f.Delays, r)
			}
		}
	}
	if all || chaosSet {
		f.Behaviors = cmpOr(behaviors, DefaultBehaviors)
		for _, b := range f.Behaviors {
			if _, err := behavior.Parse(b); err != nil {
				return nil, command.Usagef("--behavior %q: %v", b, err)
			}
		}
	}
	return f, nil
}
