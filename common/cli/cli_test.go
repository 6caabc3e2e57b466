package cli

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"flagsuite/common/command"
	"flagsuite/common/countries"
)

var flags2 = Command{Name: "flags2"}

func TestParseCodes(t *testing.T) {
	sortedDefault := slices.Sorted(slices.Values(countries.Default))
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"no codes: the 20 most populous", nil, sortedDefault},
		{"one code", []string{"BR"}, []string{"BR"}},
		{"lower case", []string{"br", "Cn"}, []string{"BR", "CN"}},
		{"sorted and de-duplicated", []string{"US", "BR", "us", "BR"}, []string{"BR", "US"}},
		{"one letter expands", []string{"b"}, countries.Letter('B')},
		{"letter and its code once", []string{"Z", "ZW"}, countries.Letter('Z')},
		{"limit after sort", []string{"-l", "3", "C"}, []string{"CA", "CB", "CC"}},
		{"limit larger than the list", []string{"--limit", "99", "BR", "AD"}, []string{"AD", "BR"}},
		{"limit on default", []string{"-l", "2"}, sortedDefault[:2]},
		{"all", []string{"-a"}, countries.All()},
		{"every", []string{"-e"}, countries.Every()},
		{"every wins over all", []string{"-a", "-e"}, countries.Every()},
		{"every with limit", []string{"-e", "-l", "30"}, countries.Every()[:30]},
		{"codes added to all", []string{"-a", "XZ"}, slices.Sorted(slices.Values(append(countries.All(), "XZ")))},
		{"flags after codes", []string{"BR", "-l", "1", "AD"}, []string{"AD"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := flags2.Parse(tt.args, &bytes.Buffer{})
			if err != nil {
				t.Fatalf("Parse(%q) error: %v", tt.args, err)
			}
			if !slices.Equal(cfg.Codes, tt.want) {
				t.Errorf("Parse(%q).Codes = %v; want %v", tt.args, cfg.Codes, tt.want)
			}
		})
	}
}

func TestParseConcurrency(t *testing.T) {
	tests := []struct {
		args []string
		want int
	}{
		{[]string{"-e", "--strategy", "sequential"}, 1},
		{[]string{"-e", "--strategy", "pool"}, 30},
		{[]string{"-e", "--strategy", "loop"}, 5},
		{[]string{"-e"}, 5}, // loop is the default
		{[]string{"-e", "-m", "100"}, 100},
		{[]string{"-e", "--max_req", "7"}, 7},
		{[]string{"-e", "--max-req", "8"}, 8},
		{[]string{"-e", "--max_req=9"}, 9},
		{[]string{"-e", "-m", "5000"}, 676},                        // no more than codes
		{[]string{"BR", "CN", "-m", "100"}, 2},                     // no more than codes
		{[]string{"BR", "--strategy", "pool"}, 1},                  // default cut by codes
		{[]string{"-e", "--strategy", "sequential", "-m", "4"}, 4}, // an explicit -m is honoured
	}
	for _, tt := range tests {
		cfg, err := flags2.Parse(tt.args, &bytes.Buffer{})
		if err != nil {
			t.Fatalf("Parse(%q) error: %v", tt.args, err)
		}
		if cfg.Concurrency != tt.want {
			t.Errorf("Parse(%q).Concurrency = %d; want %d", tt.args, cfg.Concurrency, tt.want)
		}
	}
}

// TestParseConcurrencyPerCode: a family whose codes cost two requests
// (flags3) caps -m at the requests, not the codes.
func TestParseConcurrencyPerCode(t *testing.T) {
	flags3 := Command{Name: "flags3", PerCode: 2}
	tests := []struct {
		args []string
		want int
	}{
		{[]string{"BR", "-m", "2"}, 2},
		{[]string{"BR", "-m", "3"}, 2},
		{[]string{"-m", "100"}, 40},          // the 20 default codes: 40 requests
		{[]string{"-e", "-m", "5000"}, 1000}, // MaxConcurrency still caps
		{[]string{"BR", "--strategy", "pool"}, 2},
	}
	for _, tt := range tests {
		cfg, err := flags3.Parse(tt.args, &bytes.Buffer{})
		if err != nil {
			t.Fatalf("Parse(%q) error: %v", tt.args, err)
		}
		if cfg.Concurrency != tt.want {
			t.Errorf("Parse(%q).Concurrency = %d; want %d", tt.args, cfg.Concurrency, tt.want)
		}
	}
}

func TestParseOptions(t *testing.T) {
	cfg, err := flags2.Parse(nil, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Codes: cfg.Codes, Server: cfg.Server, Strategy: "loop", Concurrency: 5,
		Timeout: 10 * time.Second, Dest: "downloaded", Writers: 4, MaxSize: 1 << 20,
	}
	if cfg.Server.Label != "LOCAL" || cfg.Server.BaseURL != "http://localhost:8000/flags" {
		t.Errorf("default server = %+v; want LOCAL http://localhost:8000/flags", cfg.Server)
	}
	if !equalConfig(cfg, want) {
		t.Errorf("defaults = %+v; want %+v", cfg, want)
	}

	cfg, err = flags2.Parse([]string{"-v", "-s", "error", "--timeout", "2", "--dest", "/tmp/x", "--max-size", "64k",
		"--retries", "3", "--writers", "0", "--json", "--fail", "--no-embed", "--strategy", "pool"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	want = Config{
		Codes: cfg.Codes, Server: cfg.Server, Strategy: "pool", Concurrency: 20, Verbose: true,
		Timeout: 2 * time.Second, Dest: "/tmp/x", Retries: 3, Writers: 0, JSON: true, Fail: true, NoEmbed: true,
		MaxSize: 64 << 10,
	}
	if cfg.Server.Label != "ERROR" {
		t.Errorf("-s error: server = %+v; want ERROR", cfg.Server)
	}
	if !equalConfig(cfg, want) {
		t.Errorf("options = %+v; want %+v", cfg, want)
	}

	cfg, err = flags2.Parse([]string{"-s", "http://127.0.0.1:9/flags/"}, &bytes.Buffer{})
	if err != nil || cfg.Server.BaseURL != "http://127.0.0.1:9/flags" {
		t.Errorf("-s URL: server = %+v, %v; want http://127.0.0.1:9/flags", cfg.Server, err)
	}
}

func equalConfig(a, b Config) bool {
	return slices.Equal(a.Codes, b.Codes) && a.Server == b.Server && a.Strategy == b.Strategy &&
		a.Concurrency == b.Concurrency && a.Verbose == b.Verbose && a.Timeout == b.Timeout &&
		a.Dest == b.Dest && a.Retries == b.Retries && a.Writers == b.Writers && a.JSON == b.JSON &&
		a.Fail == b.Fail && a.NoEmbed == b.NoEmbed && a.MaxSize == b.MaxSize
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		msg  string // a part of the message
	}{
		{[]string{"BRA"}, `each CC argument must be A to Z or AA to ZZ; got "BRA"`},
		{[]string{"B1"}, `got "B1"`},
		{[]string{"1"}, `got "1"`},
		{[]string{""}, `got ""`},
		{[]string{"é"}, `got "é"`},
		{[]string{"-m", "0"}, "--max_req CONCURRENT must be >= 1"},
		{[]string{"-m", "-3"}, "--max_req CONCURRENT must be >= 1"},
		{[]string{"-m", "abc"}, `--max_req CONCURRENT must be a whole number >= 1; got "abc", not a number`},
		{[]string{"-m", "99999999999999999999"}, "far too large"},
		{[]string{"-m"}, "flag needs an argument"},
		{[]string{"-l", "0"}, "--limit N must be >= 1"},
		{[]string{"-l", "abc"}, `--limit N must be a whole number >= 1; got "abc", not a number`},
		{[]string{"--max-size", "0"}, "--max-size SIZE must be a byte count from 1 to 1024M"},
		{[]string{"--max-size", "2G"}, `got "2G"`},
		{[]string{"--max-size", "2048M"}, `got "2048M"`},
		{[]string{"-s", "NOWHERE"}, "--server LABEL must be one of LOCAL, DELAY, ERROR, REMOTE"},
		{[]string{"-s", "ftp://x/flags"}, `--server: unknown server "ftp://x/flags"`},
		{[]string{"-s", "http://"}, `--server: bad server URL "http://": no host`},
		{[]string{"-s", "http://exa mple.com/flags"}, `--server: bad server URL "http://exa mple.com/flags": `},
		{[]string{"--strategy", "threads"}, `invalid value "threads" for --strategy: must be one of sequential, pool, loop`},
		{[]string{"--timeout", "0s"}, "--timeout must be > 0"},
		{[]string{"--timeout", "soon"}, `invalid value "soon" for --timeout: want seconds (0.5) or a duration (500ms)`},
		{[]string{"--timeout", "-5"}, `invalid value "-5" for --timeout: must not be negative`},
		{[]string{"--timeout", "9e9"}, `invalid value "9e9" for --timeout: must be at most 24h0m0s`},
		{[]string{"--retries", "x"}, `invalid value "x" for --retries: must be an integer`},
		{[]string{"--retries", "-1"}, "--retries N must be >= 0"},
		{[]string{"--writers", "-1"}, "--writers N must be >= 0"},
		{[]string{"--dest", ""}, "--dest DIR must not be empty"},
		{[]string{"--bogus"}, "unknown flag: --bogus"},
		{[]string{"-x"}, "unknown shorthand flag: 'x'"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, err := flags2.Parse(tt.args, &bytes.Buffer{})
			var uerr *command.UsageError
			if !errors.As(err, &uerr) {
				t.Fatalf("Parse(%q) error = %v; want a *command.UsageError", tt.args, err)
			}
			if !strings.Contains(uerr.Msg, tt.msg) {
				t.Errorf("Parse(%q) error = %q; want it to contain %q", tt.args, uerr.Msg, tt.msg)
			}
			var stderr bytes.Buffer
			if code := flags2.ReportParseError(err, &stderr); code != command.ExitUsage {
				t.Errorf("exit code = %d; want %d", code, command.ExitUsage)
			}
			wantOut := "*** Usage error: " + uerr.Msg + "\n" + flags2.Usage() + "\n"
			if stderr.String() != wantOut {
				t.Errorf("stderr = %q; want %q", stderr.String(), wantOut)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	for _, arg := range []string{"-h", "--help"} {
		var stdout bytes.Buffer
		_, err := flags2.Parse([]string{arg}, &stdout)
		if !errors.Is(err, command.ErrHelp) {
			t.Fatalf("Parse(%s) error = %v; want command.ErrHelp", arg, err)
		}
		if code := flags2.ReportParseError(err, &bytes.Buffer{}); code != command.ExitOK {
			t.Errorf("exit code after %s = %d; want 0", arg, code)
		}
		out := stdout.String()
		for _, want := range []string{flags2.Usage(), "--max_req", "--every", "--strategy", "--retries", "--json"} {
			if !strings.Contains(out, want) {
				t.Errorf("help text lacks %q:\n%s", want, out)
			}
		}
	}
}

func TestSimpleCommand(t *testing.T) {
	flags := Command{Name: "flags", Simple: true}
	cfg, err := flags.Parse([]string{"--strategy", "pool", "-s", "delay", "--dest", "d"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Codes) != 20 || cfg.Concurrency != 20 || cfg.Server.Label != "DELAY" || cfg.Dest != "d" {
		t.Errorf("flags line = %+v; want 20 codes, concurrency 20, DELAY, dest d", cfg)
	}
	for _, args := range [][]string{{"BR"}, {"-a"}, {"-v"}, {"--json"}} {
		_, err := flags.Parse(args, &bytes.Buffer{})
		var uerr *command.UsageError
		if !errors.As(err, &uerr) {
			t.Errorf("flags Parse(%q) error = %v; want a usage error", args, err)
		}
	}
}

func FuzzExpandCodes(f *testing.F) {
	for _, seed := range []string{"BR", "b", "zz", "BRA", "", "1", "é", "A B", "Ab"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		codes, err := ExpandCodes(strings.Fields(arg), false, false)
		if err != nil {
			var uerr *command.UsageError
			if !errors.As(err, &uerr) {
				t.Fatalf("ExpandCodes(%q) error %v is not a *command.UsageError", arg, err)
			}
			return
		}
		if !slices.IsSorted(codes) || len(slices.Compact(slices.Clone(codes))) != len(codes) {
			t.Fatalf("ExpandCodes(%q) = %v; want sorted and unique", arg, codes)
		}
		for _, cc := range codes {
			if len(cc) != 2 || !isAZ(cc[0]) || !isAZ(cc[1]) {
				t.Fatalf("ExpandCodes(%q) gave %q; want AA…ZZ", arg, cc)
			}
		}
		if len(strings.Fields(arg)) == 0 && len(codes) != 20 {
			t.Fatalf("ExpandCodes(nil) = %d codes; want the 20 defaults", len(codes))
		}
	})
}
