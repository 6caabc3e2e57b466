// Package cli turns the shared command line of the flag downloaders into a
// Config: the country codes to fetch, the server, the strategy and its
// concurrency, and the options of a real download tool (timeout, retries,
// destination, JSON report).
//
// It follows the book's flags2_common.py: one-letter codes expand to 26,
// the list is de-duplicated and sorted, then cut by --limit; concurrency is
// min(--max_req, 1000, number of requests); usage errors print
// "*** Usage error: …" and the usage line.
package cli

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"flagsuite/common/command"
	"flagsuite/common/countries"
	"flagsuite/common/servers"
	"flagsuite/common/strategy"
)

// MaxConcurrency caps --max_req, as MAX_CONCUR_REQ does in the book.
const MaxConcurrency = 1000

// Config is what a command line asks for.
type Config struct {
	Codes       []string       // upper-case codes, de-duplicated, sorted, cut by --limit
	Server      servers.Server // -s: LOCAL by default
	Strategy    strategy.Name  // sequential, pool or loop
	Concurrency int            // min(--max_req or the strategy's default, MaxConcurrency, len(Codes) × Command.PerCode)
	Verbose     bool           // -v: one line per code instead of the progress bar
	Timeout     time.Duration  // --timeout for each request: 10s by default
	Dest        string         // --dest: "downloaded" by default
	Retries     int            // --retries: 0 by default
	Writers     int            // --writers in the disk-write executor: 4 by default, 0 writes inline
	JSON        bool           // --json: one JSON object on stdout instead of the text report
	Fail        bool           // --fail: exit 1 when any code ended in error
	NoEmbed     bool           // --no-embed: never serve LOCAL/DELAY/ERROR in-process
	MaxSize     int64          // --max-size: the largest body accepted, in bytes; DefaultMaxSize (1 MiB) by default
	Extra       any            // what Command.Extra returned: the family's own options
	Progress    string         // --progress: auto (default), tty, plain or none
	Trace       string         // --trace FILE: the run in Chrome Trace Event JSON; "" for none
	Timeline    string         // --timeline FILE.svg: the run as an SVG waterfall; "" for none
}

// ProgressModes are the values of --progress, after docker build
// --progress: auto is tty on a terminal and plain elsewhere.
var ProgressModes = []string{"auto", "tty", "plain", "none"}

// Command describes one command's line: its name and which options it has.
type Command struct {
	Name            string        // "flags2"
	Summary         string        // one line for --help
	DefaultStrategy strategy.Name // strategy.Default when empty
	// Simple selects the flags family's short line: no code arguments, no
	// -a/-e/-l/-v and none of the report or retry options.
	Simple bool
	// PerCode is how many requests a code costs: 1 when 0; flags3 makes 2.
	// -m counts requests, so the concurrency is capped at codes × PerCode.
	PerCode int
	// Extra, when set, adds a family's own options to the flag set; what it
	// returns (pointers to the values those options fill) is Config.Extra.
	Extra func(fs *pflag.FlagSet) any
}

// Usage returns the usage line, without a trailing newline.
func (c Command) Usage() string {
	if c.Simple {
		return "usage: " + c.Name + " [-h] [-m CONCURRENT] [-s LABEL] [--strategy NAME] [--dest DIR] [--timeout D] [--no-embed]"
	}
	return "usage: " + c.Name + " [-h] [-a] [-e] [-l N] [-m CONCURRENT] [-s LABEL] [-v] [CC ...]"
}

// Parse reads args (without the program name). On -h it prints the help to
// stdout and returns command.ErrHelp; a bad line gives a *command.UsageError.
func (c Command) Parse(args []string, stdout io.Writer) (Config, error) {
	cfg := Config{Strategy: c.DefaultStrategy}
	if cfg.Strategy == "" {
		cfg.Strategy = strategy.Default
	}
	fs := pflag.NewFlagSet(c.Name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors and help are printed by the caller, once
	fs.Usage = func() {}
	fs.SetNormalizeFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		if name == "max-req" { // the book spells it --max_req; both work
			name = "max_req"
		}
		return pflag.NormalizedName(name)
	})
	fs.SortFlags = false

	var (
		all     bool
		every   bool
		limit   = positive{name: "--limit N"}
		maxReq  = positive{name: "--max_req CONCURRENT"}
		maxSize = size{n: DefaultMaxSize}
		server  string
	)
	if !c.Simple {
		fs.BoolVarP(&all, "all", "a", false, "get all available flags (the 194 codes of the embedded list)")
		fs.BoolVarP(&every, "every", "e", false, "get flags for every possible code (AA...ZZ)")
		fs.VarP(&limit, "limit", "l", "limit to `N` first codes")
	}
	fs.VarP(&maxReq, "max_req", "m", "maximum `CONCURRENT` requests (default: sequential 1, pool 30, loop 5)")
	fs.StringVarP(&server, "server", "s", "LOCAL", "`LABEL` of the server to hit: one of "+strings.Join(servers.Labels, ", ")+", or an http(s):// base URL")
	if !c.Simple {
		fs.BoolVarP(&cfg.Verbose, "verbose", "v", false, "output detailed progress info")
	}
	fs.Var(&cfg.Strategy, "strategy", "concurrency strategy `NAME`: "+strategy.List())
	command.DurationVar(fs, &cfg.Timeout, "timeout", 10*time.Second, "time limit `D` for each request: seconds (2.5) or a duration (500ms)")
	fs.StringVar(&cfg.Dest, "dest", "downloaded", "`DIR` to save the flags in")
	if !c.Simple {
		fs.IntVar(&cfg.Retries, "retries", 0, "retry network errors, timeouts, 408, 429, 418 and 5xx up to `N` times")
		fs.IntVar(&cfg.Writers, "writers", 4, "`N` writer goroutines for the disk (0 writes inline)")
		fs.BoolVar(&cfg.JSON, "json", false, "print one JSON object instead of the text report")
		fs.BoolVar(&cfg.Fail, "fail", false, "exit 1 when any code ended in error")
		fs.StringVar(&cfg.Progress, "progress", "auto", "progress `MODE`: auto (tty on a terminal, else plain), tty, plain or none")
		fs.StringVar(&cfg.Trace, "trace", "", "write every request's phases to `FILE` as a Chrome trace (open it in Perfetto)")
		fs.StringVar(&cfg.Timeline, "timeline", "", "draw the run as an SVG waterfall in `FILE.svg`")
		fs.Var(&maxSize, "max-size", "the largest body `SIZE` accepted, decompressed: bytes, or with k, M (1024, 1024²)")
	}
	fs.BoolVar(&cfg.NoEmbed, "no-embed", false, "never serve LOCAL, DELAY or ERROR in-process")
	if c.Extra != nil {
		cfg.Extra = c.Extra(fs)
	}

	err := fs.Parse(args)
	if errors.Is(err, pflag.ErrHelp) {
		fmt.Fprintf(stdout, "%s\n\n%s\n\n%s", c.Usage(), c.summary(), command.Options(fs))
		return Config{}, command.ErrHelp
	}
	if err != nil {
		return Config{}, &command.UsageError{Msg: cleanPflagError(err)}
	}

	if cfg.Server, err = servers.Lookup(server); err != nil {
		if strings.Contains(server, "://") { // a URL: say what is wrong with it
			return Config{}, command.Usagef("--server: %v", err)
		}
		return Config{}, command.Usagef("--server LABEL must be one of %s, or an http(s):// base URL; got %q",
			strings.Join(servers.Labels, ", "), server)
	}
	cfg.MaxSize = maxSize.n
	if cfg.Timeout <= 0 {
		return Config{}, command.Usagef("--timeout must be > 0; got %s", cfg.Timeout)
	}
	if cfg.Dest == "" {
		return Config{}, command.Usagef("--dest DIR must not be empty")
	}
	if cfg.Retries < 0 {
		return Config{}, command.Usagef("--retries N must be >= 0; got %d", cfg.Retries)
	}
	if cfg.Writers < 0 {
		return Config{}, command.Usagef("--writers N must be >= 0; got %d", cfg.Writers)
	}
	if cfg.Progress == "" && c.Simple {
		cfg.Progress = "none"
	}
	if !slices.Contains(ProgressModes, cfg.Progress) {
		return Config{}, command.Usagef("--progress MODE must be one of %s; got %q", strings.Join(ProgressModes, ", "), cfg.Progress)
	}
	if cfg.Trace != "" && cfg.Trace == cfg.Timeline {
		return Config{}, command.Usagef("--trace and --timeline need two files; got %q for both", cfg.Trace)
	}

	if c.Simple {
		if fs.NArg() > 0 {
			return Config{}, command.Usagef("%s takes no country codes; got %q", c.Name, fs.Arg(0))
		}
		cfg.Codes = slices.Clone(countries.Default)
		slices.Sort(cfg.Codes)
	} else {
		cfg.Codes, err = ExpandCodes(fs.Args(), all, every)
		if err != nil {
			return Config{}, err
		}
		if limit.set && limit.n < len(cfg.Codes) {
			cfg.Codes = cfg.Codes[:limit.n]
		}
	}

	want := cfg.Strategy.DefaultConcurrency()
	if maxReq.set {
		want = maxReq.n
	}
	cfg.Concurrency = min(want, MaxConcurrency, len(cfg.Codes)*max(c.PerCode, 1))
	return cfg, nil
}

func (c Command) summary() string {
	if c.Summary != "" {
		return c.Summary
	}
	return "Download flags of countries."
}

// ExpandCodes turns code arguments into the sorted, de-duplicated list to
// fetch: "BR" is one code, "B" is BA…BZ (case-insensitive); with every, all
// 676 codes; with all, the 194 of the embedded list; with neither and no
// arguments, the 20 most populous countries. Arguments given together with
// -a or -e are added to the set.
func ExpandCodes(args []string, all, every bool) ([]string, error) {
	set := make(map[string]bool)
	for _, arg := range args {
		cc := strings.ToUpper(arg)
		switch {
		case len(cc) == 1 && isAZ(cc[0]):
			for _, code := range countries.Letter(rune(cc[0])) {
				set[code] = true
			}
		case len(cc) == 2 && isAZ(cc[0]) && isAZ(cc[1]):
			set[cc] = true
		default:
			return nil, command.Usagef("each CC argument must be A to Z or AA to ZZ; got %q", arg)
		}
	}
	var base []string
	switch {
	case every:
		base = countries.Every()
	case all:
		base = countries.All()
	case len(args) == 0:
		base = countries.Default
	}
	for _, code := range base {
		set[code] = true
	}
	codes := make([]string, 0, len(set))
	for code := range set {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	return codes, nil
}

func isAZ(b byte) bool { return 'A' <= b && b <= 'Z' }

// positive is a pflag.Value for a whole number >= 1, so that "-m 0" and
// "-m x" get the book's wording rather than strconv's.
type positive struct {
	name string
	n    int
	set  bool
}

func (p *positive) String() string {
	if !p.set {
		return ""
	}
	return fmt.Sprint(p.n)
}

func (p *positive) Set(s string) error {
	n, err := strconv.Atoi(s)
	switch {
	case errors.Is(err, strconv.ErrRange):
		return fmt.Errorf("%s must be a whole number >= 1; got %q, far too large", p.name, s)
	case err != nil:
		return fmt.Errorf("%s must be a whole number >= 1; got %q, not a number", p.name, s)
	case n < 1:
		return fmt.Errorf("%s must be >= 1", p.name) // the book's words
	}
	p.n, p.set = n, true
	return nil
}

func (p *positive) Type() string { return "N" }

// DefaultMaxSize is --max-size's default: the largest flag is about 40 kB,
// and a thousand bodies of 1 MiB are still memory a laptop has.
const DefaultMaxSize = 1 << 20

// maxMaxSize bounds --max-size: a flag of a gigabyte is a mistake.
const maxMaxSize = 1 << 30

// size is a pflag.Value for --max-size: a byte count, with an optional k
// or M (binary multiples, like the chaos proxy's sizes).
type size struct{ n int64 }

func (s *size) String() string {
	switch {
	case s.n > 0 && s.n%(1<<20) == 0:
		return fmt.Sprintf("%dM", s.n>>20)
	case s.n > 0 && s.n%(1<<10) == 0:
		return fmt.Sprintf("%dk", s.n>>10)
	}
	return fmt.Sprint(s.n)
}

func (s *size) Set(v string) error {
	t := strings.TrimSpace(v)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"KB", 1 << 10}, {"MB", 1 << 20}, {"k", 1 << 10}, {"K", 1 << 10}, {"M", 1 << 20}} {
		if rest, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = rest, u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 1 || n > maxMaxSize/mult {
		return fmt.Errorf("--max-size SIZE must be a byte count from 1 to 1024M, like 40000, 64k or 2M; got %q", v)
	}
	s.n = n * mult
	return nil
}

func (s *size) Type() string { return "size" }

// cleanPflagError rewords pflag's errors: `invalid argument "x" for "-r,
// --retries" flag: must be an integer` becomes `invalid value "x" for
// --retries: must be an integer`; our own values' messages stand alone.
func cleanPflagError(err error) string {
	msg := err.Error()
	rest, ok := strings.CutPrefix(msg, "invalid argument ")
	if !ok {
		return msg
	}
	value, rest, _ := strings.Cut(rest, " for ")
	names, reason, ok := strings.Cut(rest, " flag: ")
	if !ok {
		return msg
	}
	if strings.HasPrefix(reason, "--") {
		return reason
	}
	names = strings.Trim(names, `"`)
	if _, long, ok := strings.Cut(names, ", "); ok {
		names = long
	}
	return fmt.Sprintf("invalid value %s for %s: %s", value, names, reason)
}

// ReportParseError prints what Parse returned and gives the exit status: 0
// after help, 2 with "*** Usage error: …" and the usage line for a bad line.
func (c Command) ReportParseError(err error, stderr io.Writer) int {
	return command.ReportError(err, c.Name, c.Usage(), stderr)
}
