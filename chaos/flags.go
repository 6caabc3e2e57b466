package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"flagsuite/chaos/api"
	"flagsuite/chaos/behavior"
	"flagsuite/chaos/fault"
	"flagsuite/chaos/proxy"
	"flagsuite/common/command"
)

const usageLine = "usage: chaos [-h] [--protocol http|tcp] [--backend HOST:PORT] [--proxy HOST:PORT] " +
	"[--behavior PERCENT:NAME,...] [--behavior-NAME-OPTION VALUE ...] [--seed N [--seed-by request|path]] " +
	"[--tag] [--quiet] [--api ADDR [--api-public]] [--config FILE] [--header-timeout D]"

// options is what the command line asks for.
type options struct {
	specs         []api.Spec // the proxies to start: the command line's, then the config file's
	apiAddr       string     // "" for no control API
	apiPublic     bool
	quiet         bool
	dialTimeout   time.Duration
	idleTimeout   time.Duration
	headerTimeout time.Duration
}

// parse reads the command line; it prints help to stdout itself.
func parse(args []string, stdout io.Writer) (*options, error) {
	fs := pflag.NewFlagSet("chaos", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SetNormalizeFunc(func(f *pflag.FlagSet, name string) pflag.NormalizedName {
		return pflag.NormalizedName(strings.ReplaceAll(name, "_", "-"))
	})
	protocol := fs.String("protocol", "http", "http (a fate per request) or tcp (a fate per connection)")
	backend := fs.String("backend", "localhost:8000", "the server to forward to, HOST:PORT")
	listen := fs.String("proxy", "localhost:8002", "where to listen, HOST:PORT (port 0: any free port)")
	list := fs.String("behavior", "", "faults as PERCENT:NAME,... (25:error,50:delay); the rest passes untouched")
	seed := fs.Int64("seed", 0, "make fates repeatable: a pure function of (seed, request number)")
	seedBy := fs.String("seed-by", "request", "with --seed, what picks a fate besides the seed: request (its number) or path (its URL path)")
	tag := fs.Bool("tag", false, "add X-Chaos-Fault: NAME to responses of faulted requests")
	quiet := fs.Bool("quiet", false, "no JSON log line per injected fault on stderr")
	apiAddr := fs.String("api", "", "serve the control API, Toxiproxy's, on ADDR (HOST:PORT; loopback only unless --api-public)")
	apiPublic := fs.Bool("api-public", false, "let --api listen on, and answer, non-loopback addresses")
	config := fs.String("config", "", "start the proxies of this JSON file (Toxiproxy's config file, toxics included)")
	name := fs.String("name", "main", "the command-line proxy's name in logs and the API")
	var dial, idle time.Duration
	command.DurationVar(fs, &dial, "dial-timeout", 5*time.Second, "backend dial timeout: seconds or a Go duration")
	command.DurationVar(fs, &idle, "idle-timeout", 120*time.Second, "close keep-alive clients idle this long (0: never)")
	var header time.Duration
	command.DurationVar(fs, &header, "header-timeout", 10*time.Second, "a request head must arrive within this long of its first byte (0: no limit)")
	help := fs.BoolP("help", "h", false, "show this help")
	opts := behavior.AddFlags(fs)

	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			printHelp(stdout, fs)
			return nil, command.ErrHelp
		}
		return nil, command.Usagef("%v", err)
	}
	if *help {
		printHelp(stdout, fs)
		return nil, command.ErrHelp
	}
	if fs.NArg() > 0 {
		return nil, command.Usagef("unexpected argument %q", fs.Arg(0))
	}
	o := &options{apiAddr: *apiAddr, apiPublic: *apiPublic, quiet: *quiet}
	o.dialTimeout, o.idleTimeout = dial, idle
	if o.dialTimeout == 0 {
		return nil, command.Usagef("--dial-timeout: want a positive duration, got 0")
	}
	if o.idleTimeout == 0 {
		o.idleTimeout = -1 // the proxy's "never"
	}
	if o.headerTimeout = header; o.headerTimeout == 0 {
		o.headerTimeout = -1
	}

	proto := strings.ToLower(*protocol)
	if proto != string(fault.HTTP) && proto != string(fault.TCP) {
		return nil, command.Usagef("--protocol %q: http or tcp", *protocol)
	}
	items, err := behavior.Parse(*list)
	if err != nil {
		return nil, command.Usagef("--behavior %s: %v", *list, err)
	}
	spec := api.Spec{
		Name:     *name,
		Protocol: proto,
		Listen:   *listen,
		Upstream: *backend,
		Faults:   behavior.Configs(items, opts.Values()),
		Tag:      *tag,
	}
	if fs.Changed("seed") {
		spec.Seed = seed
		spec.SeedBy = strings.ToLower(*seedBy)
	} else if fs.Changed("seed-by") {
		return nil, command.Usagef("--seed-by needs --seed")
	}
	if err := checkAddr("--proxy", spec.Listen); err != nil {
		return nil, err
	}
	if err := checkAddr("--backend", spec.Upstream); err != nil {
		return nil, err
	}
	if err := checkSpec(spec, "--behavior "+*list); err != nil {
		return nil, err
	}

	// With a config file or the API, the command-line proxy runs only if
	// asked for: "chaos --api 127.0.0.1:8474" alone is an empty control
	// plane, as toxiproxy-server is.
	cmdline := *config == "" && *apiAddr == "" ||
		fs.Changed("proxy") || fs.Changed("backend") || fs.Changed("behavior") || fs.Changed("protocol")
	if cmdline {
		o.specs = append(o.specs, spec)
	}
	if *config != "" {
		cf, err := readConfig(*config)
		if err != nil {
			return nil, command.Usagef("--config %s: %v", *config, err)
		}
		if o.apiAddr == "" {
			o.apiAddr = cf.API
		}
		o.specs = append(o.specs, cf.Proxies...)
	}
	if err := checkNames(o.specs); err != nil {
		return nil, err
	}
	if o.apiAddr != "" {
		host, _, err := net.SplitHostPort(o.apiAddr)
		if err != nil {
			return nil, command.Usagef("--api %q: want HOST:PORT", o.apiAddr)
		}
		if host == "" {
			o.apiAddr = net.JoinHostPort("127.0.0.1", strings.TrimPrefix(o.apiAddr, ":"))
		} else if !api.IsLoopback(host) && !o.apiPublic {
			return nil, command.Usagef("--api %s is not a loopback address; add --api-public to serve the control API there", o.apiAddr)
		}
	}
	return o, nil
}

func checkAddr(flag, addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return command.Usagef("%s %q: want HOST:PORT", flag, addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return command.Usagef("%s %q: bad port", flag, addr)
	}
	return nil
}

// checkSpec validates a proxy as the proxy package will, so a bad fault or
// option is a usage error before anything listens.
func checkSpec(spec api.Spec, what string) error {
	s := api.New(api.Options{})
	cfg, err := s.Config(spec)
	if err != nil {
		return command.Usagef("%s: %v", what, err)
	}
	if cfg.Seeded && cfg.SeedBy != "" && cfg.SeedBy != "request" && cfg.SeedBy != "path" {
		return command.Usagef("--seed-by %q: request or path", cfg.SeedBy)
	}
	if cfg.SeedBy == "path" && cfg.Protocol == fault.TCP {
		return command.Usagef("--seed-by path needs --protocol http")
	}
	if _, err := proxy.New(cfg); err != nil {
		return command.Usagef("%s: %v", what, err)
	}
	return nil
}

func checkNames(specs []api.Spec) error {
	seen := map[string]bool{}
	for _, s := range specs {
		if seen[s.Name] {
			return command.Usagef("two proxies are called %q", s.Name)
		}
		seen[s.Name] = true
	}
	return nil
}

func printHelp(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprintln(w, usageLine)
	fmt.Fprintln(w, "\nA fault-injecting HTTP/TCP proxy; runs the Vaurien command lines of Fluent Python.")
	fmt.Fprint(w, "\n", command.Options(fs))
	behavior.PrintUsage(w)
	fmt.Fprintln(w, `
Durations are seconds (.5) or Go durations (500ms); sizes are bytes (1024, 10k, 2M).

Examples:
  chaos --backend localhost:8000 --proxy localhost:8002 --behavior 25:error,50:delay --behavior-delay-sleep .5
  chaos --backend localhost:8000 --proxy 127.0.0.1:0 --behavior 50:error --seed 7 --seed-by path --api 127.0.0.1:8474
  chaos --protocol tcp --backend localhost:5432 --proxy localhost:15432 --behavior 100:latency --behavior-latency-latency 50ms
  chaos --api 127.0.0.1:8474    # an empty control plane that toxiproxy-cli and Toxiproxy's clients drive`)
}
