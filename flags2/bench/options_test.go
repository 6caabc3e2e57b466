package bench

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"flagsuite/common/command"
)

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--reps", "0"}, "--reps N must be >= 1; got 0"},
		{[]string{"--ladder", "0"}, `--ladder must list whole numbers from 1 to 1000; got "0"`},
		{[]string{"--ladder", "10,1001"}, `got "1001"`},
		{[]string{"--ladder", "ten"}, `got "ten"`},
		{[]string{"--strategies", "loop,threads"}, `--strategies must list sequential, pool, loop; got "threads"`},
		{[]string{"--servers", "REMOTE"}, `--servers must list LOCAL, DELAY, ERROR; got "REMOTE"`},
		{[]string{"--codes", "-x"}, `--codes must list -a, -e; got "-x"`},
		{[]string{"--delay", "0s"}, "--delay D must be > 0"},
		{[]string{"--delay", "soon"}, `invalid argument "soon" for "--delay"`},
		{[]string{"--error-rate", "2"}, "--error-rate R must be 0 to 1"},
		{[]string{"--json", "--csv"}, "--json and --csv cannot be used together"},
		{[]string{"--external", "curl http://x"}, "--external CMD must contain {base_url}"},
		{[]string{"BR"}, `flags2 bench takes no arguments; got "BR"`},
		{[]string{"--bogus"}, "unknown flag: --bogus"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Run(context.Background(), tt.args, &stdout, &stderr)
			got := stderr.String()
			if code != 2 || !strings.HasPrefix(got, "*** Usage error: ") || !strings.Contains(got, tt.want) ||
				!strings.HasSuffix(got, "\n"+Usage+"\n") || stdout.Len() != 0 {
				t.Errorf("Run(%q) = exit %d, stderr %q; want 2 and %q then the usage", tt.args, code, got, tt.want)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := Run(context.Background(), []string{"-h"}, &stdout, &stderr); code != 0 || stderr.Len() != 0 {
		t.Fatalf("exit %d, stderr %q; want 0 and nothing", code, stderr.String())
	}
	for _, want := range []string{Usage, "--strategies LIST", "--external CMD", "--svg FILE", "(default bench.svg)"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, stdout.String())
		}
	}
	if strings.Contains(stdout.String(), "(default [])") {
		t.Errorf("help shows an empty default:\n%s", stdout.String())
	}
}

func TestParseDefaultsAndSpellings(t *testing.T) {
	o, err := parse(nil, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	c := o.cfg
	if !slices.Equal(c.Strategies, DefaultStrategies) || !slices.Equal(c.Servers, DefaultServers) ||
		!slices.Equal(c.Codes, DefaultCodes) || !slices.Equal(c.Ladder, DefaultLadder) ||
		c.Reps != DefaultReps || c.Delay != DefaultDelay || o.svg != DefaultSVG || o.format != formatTable {
		t.Errorf("defaults = %+v", o)
	}
	o, err = parse([]string{"--codes", "-e,a,every", "--servers", "delay,Local", "--ladder", "100,10,100",
		"--strategies", "LOOP", "--csv", "--error-rate", "0", "--delay", "20ms"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	c = o.cfg
	if !slices.Equal(c.Codes, []string{"-e", "-a"}) || !slices.Equal(c.Servers, []string{"DELAY", "LOCAL"}) ||
		!slices.Equal(c.Ladder, []int{10, 100}) || !slices.Equal(c.Strategies, []string{"loop"}) ||
		o.format != formatCSV || c.ErrorRate >= 0 || c.Delay != 20*time.Millisecond {
		t.Errorf("parsed = %+v", o)
	}
}

// FuzzParse feeds any list values to the options: the result is a config
// every part of the bench can use, or a usage error; never a panic.
func FuzzParse(f *testing.F) {
	f.Add("loop,pool", "LOCAL", "-a,-e", "1,10,100,1000")
	f.Add("", ",", "a", "1,,2")
	f.Add("sequential", "error,DELAY", "every", "1000,1")
	f.Fuzz(func(t *testing.T, strategies, servers, codes, ladder string) {
		o, err := parse([]string{"--strategies=" + strategies, "--servers=" + servers, "--codes=" + codes,
			"--ladder=" + ladder}, &bytes.Buffer{})
		var uerr *command.UsageError
		if err != nil {
			if !errors.As(err, &uerr) {
				t.Fatalf("error %v is not a usage error", err)
			}
			return
		}
		c := o.cfg
		if len(c.Strategies) == 0 || len(c.Servers) == 0 || len(c.Codes) == 0 || len(c.Ladder) == 0 {
			t.Fatalf("empty list in %+v", c)
		}
		for _, m := range c.Ladder {
			if m < 1 || m > 1000 {
				t.Fatalf("rung %d", m)
			}
		}
		if !slices.IsSorted(c.Ladder) {
			t.Fatalf("ladder %v not sorted", c.Ladder)
		}
		cells, _ := plan(c.withDefaults())
		for _, cell := range cells {
			if cell.reps < 1 || cell.n < 1 {
				t.Fatalf("cell %+v", cell)
			}
		}
	})
}
