package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"flagsuite/common/progress/ptytest"
	"flagsuite/common/report"
	"flagsuite/testserver/clienttest"
	"flagsuite/testserver/site"
)

// TestLiveLineOnATerminal runs flags2 with stderr on a pseudo-terminal of
// 40, 80 and 120 columns, against an ERROR server quick enough for a test,
// with each strategy: the frames fit, light no more slots than -m, and the
// final line counts what the JSON report counts.
func TestLiveLineOnATerminal(t *testing.T) {
	t.Parallel()
	base := clienttest.Serve(t, site.New(site.Config{Mode: site.Error, ErrorDelay: 20 * time.Millisecond, Seed: 3, Seeded: true}))
	for _, strategy := range clienttest.Strategies() {
		for _, cols := range []int{40, 80, 120} {
			if strategy != "loop" && cols != 80 {
				continue // every width once, every strategy once: enough, and quick
			}
			t.Run(fmt.Sprintf("%s/%d", strategy, cols), func(t *testing.T) {
				t.Parallel()
				codes := []string{"-e", "-m", "60"}
				if strategy == "sequential" {
					codes = []string{"A", "B"}
				}
				master, slave := ptytest.Open(t, cols)
				stop := ptytest.Record(master, slave)
				var stdout bytes.Buffer
				args := append(codes, "--strategy", strategy, "-s", base, "--no-embed", "--json", "--dest", t.TempDir())
				code := family.Run(context.Background(), args, &stdout, slave)
				out := stop()
				var rep report.JSON
				if err := json.Unmarshal(stdout.Bytes(), &rep); code != 0 || err != nil {
					t.Fatalf("exit %d, report %v; stderr:\n%s", code, err, out)
				}
				ptytest.CheckLive(t, out, ptytest.Want{Cols: cols, Slots: rep.Concurrency,
					OK: rep.OK, NotFound: rep.NotFound, Errors: rep.Errors})
			})
		}
	}
}

// TestProgressModes: --progress none leaves stderr empty; plain never writes an escape code or a
// carriage return; tty draws frames into a pipe too, as docker build's does;
// a bad mode is a usage error.
func TestProgressModes(t *testing.T) {
	t.Parallel()
	base := clienttest.Serve(t, site.New(site.Config{Mode: site.Delay, MinDelay: 150 * time.Millisecond, MaxDelay: 150 * time.Millisecond}))
	for _, tt := range []struct {
		mode  string
		check func(stderr string) bool
	}{
		{"none", func(s string) bool { return s == "" }},
		{"plain", func(s string) bool {
			return !strings.ContainsAny(s, "\r\x1b") && strings.Count(s, "\n") == 1 && strings.HasPrefix(s, "flags: 10/10 100%  ok 4  404 6  in ")
		}},
		{"tty", func(s string) bool {
			return strings.HasPrefix(s, "\r") && strings.Contains(s, "slots █") && strings.HasSuffix(s, "\x1b[K\n")
		}},
	} {
		t.Run(tt.mode, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := family.Run(context.Background(), []string{"A", "-l", "10", "-m", "2", "-s", base, "--no-embed",
				"--progress", tt.mode, "--dest", t.TempDir()}, &stdout, &stderr)
			if code != 0 || !tt.check(stderr.String()) {
				t.Errorf("--progress %s: exit %d, stderr %q", tt.mode, code, stderr.String())
			}
		})
	}
	var stdout, stderr bytes.Buffer
	if code := family.Run(context.Background(), []string{"--progress", "fancy"}, &stdout, &stderr); code != 2 ||
		!strings.Contains(stderr.String(), "--progress MODE must be one of auto, tty, plain, none") {
		t.Errorf("--progress fancy: exit %d, stderr %q; want 2 and the modes", code, stderr.String())
	}
}
