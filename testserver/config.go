package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"flagsuite/common/command"

	"github.com/spf13/pflag"
)

const usageLine = "usage: testserver [-h] [--bind ADDR] [--only LABEL[,LABEL]] [--data PATH] [--seed N [--seed-by request|path]] [-q] [OPTIONS]"

// labels lists the servers in the order they start and print.
var labels = []string{"LOCAL", "DELAY", "ERROR"}

// config is what the command line asks for.
type config struct {
	bind   string
	ports  map[string]int // label → port; 0 picks a free one
	only   []string       // labels to run, in the order of labels
	data   string         // folder or .zip; "" for the embedded set
	quiet  bool
	seed   int64
	seeded bool
	byPath bool // --seed-by path

	minDelay, maxDelay time.Duration
	errorRate          float64
	errorDelay         time.Duration
	errorStatus        int
}

// parse reads the command line (without the program name). On -h it prints
// the help to stdout and returns command.ErrHelp; a bad line gives a *command.UsageError.
func parse(args []string, stdout io.Writer) (config, error) {
	fs := pflag.NewFlagSet("testserver", pflag.ContinueOnError)
	fs.SetOutput(io.Discard) // run prints errors and usage, once
	fs.SortFlags = false
	fs.SetNormalizeFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		return pflag.NormalizedName(strings.ReplaceAll(name, "_", "-")) // --min_delay ≡ --min-delay
	})
	cfg := config{ports: map[string]int{}}
	var only []string
	fs.StringVar(&cfg.bind, "bind", "127.0.0.1", "`ADDR` to listen on")
	ports := map[string]*int{}
	for i, label := range labels {
		ports[label] = fs.Int(strings.ToLower(label)+"-port", 8000+i, label+"'s port `N`; 0 picks a free one")
	}
	fs.StringSliceVar(&only, "only", labels, "run only these servers: `LABEL[,LABEL]`")
	fs.StringVar(&cfg.data, "data", "", "serve a folder or a .zip laid out as flags/<cc>/… from `PATH` (default: the embedded set)")
	command.DurationVar(fs, &cfg.minDelay, "min-delay", 500*time.Millisecond, "DELAY's shortest wait `D`: seconds (0.5) or a duration (500ms)")
	command.DurationVar(fs, &cfg.maxDelay, "max-delay", 5*time.Second, "DELAY's longest wait `D`")
	fs.Float64Var(&cfg.errorRate, "error-rate", 0.25, "ERROR's share `R` of failed GETs, 0 to 1")
	command.DurationVar(fs, &cfg.errorDelay, "error-delay", 500*time.Millisecond, "ERROR's wait `D` before every GET")
	fs.IntVar(&cfg.errorStatus, "error-status", 418, "ERROR's failure status `N`, 400 to 599")
	fs.Int64Var(&cfg.seed, "seed", 0, "same seed `N`, same sequence of delays and errors (default: random)")
	seedBy := fs.String("seed-by", "request", "with --seed, what picks a GET's delay and error besides the seed: request (its number) or path (its URL path: the same files fail on every run)")
	fs.BoolVarP(&cfg.quiet, "quiet", "q", false, "no request log on stderr")

	err := fs.Parse(args)
	if errors.Is(err, pflag.ErrHelp) {
		fmt.Fprintf(stdout, "%s\n\nRuns the LOCAL, DELAY and ERROR flag servers.\n\n%s", usageLine, command.Options(fs))
		return config{}, command.ErrHelp
	}
	if err != nil {
		return config{}, command.Usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return config{}, command.Usagef("unexpected argument %q: testserver takes only options", fs.Arg(0))
	}
	cfg.seeded = fs.Changed("seed")
	switch by := strings.ToLower(*seedBy); {
	case fs.Changed("seed-by") && !cfg.seeded:
		return config{}, command.Usagef("--seed-by needs --seed")
	case by == "path":
		cfg.byPath = true
	case by != "request":
		return config{}, command.Usagef("--seed-by %q: request or path", *seedBy)
	}

	for _, l := range only {
		if !slices.Contains(labels, strings.ToUpper(l)) {
			return config{}, command.Usagef("--only takes %s; got %q", strings.Join(labels, ", "), l)
		}
	}
	for _, label := range labels { // in this order, whatever the order given
		if slices.ContainsFunc(only, func(l string) bool { return strings.EqualFold(l, label) }) {
			cfg.only = append(cfg.only, label)
		}
	}
	if len(cfg.only) == 0 {
		return config{}, command.Usagef("--only needs at least one of %s", strings.Join(labels, ", "))
	}
	taken := map[int]string{}
	for _, label := range cfg.only {
		p, flag := *ports[label], "--"+strings.ToLower(label)+"-port"
		if p < 0 || p > 65535 {
			return config{}, command.Usagef("%s must be 0 to 65535; got %d", flag, p)
		}
		if other, dup := taken[p]; dup && p != 0 {
			return config{}, command.Usagef("%s %d is also %s", flag, p, other)
		}
		taken[p] = flag
		cfg.ports[label] = p
	}
	switch {
	case cfg.minDelay < 0:
		return config{}, command.Usagef("--min-delay must not be negative; got %v", cfg.minDelay)
	case cfg.maxDelay < cfg.minDelay:
		return config{}, command.Usagef("--max-delay %v is below --min-delay %v", cfg.maxDelay, cfg.minDelay)
	case cfg.errorDelay < 0:
		return config{}, command.Usagef("--error-delay must not be negative; got %v", cfg.errorDelay)
	case !(cfg.errorRate >= 0 && cfg.errorRate <= 1): // also refuses NaN
		return config{}, command.Usagef("--error-rate must be 0 to 1; got %v", cfg.errorRate)
	case cfg.errorStatus < 400 || cfg.errorStatus > 599:
		return config{}, command.Usagef("--error-status must be an HTTP error status, 400 to 599; got %d", cfg.errorStatus)
	}
	return cfg, nil
}
