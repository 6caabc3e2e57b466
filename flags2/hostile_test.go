package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"flagsuite/common/fetch/fetchtest"
	"flagsuite/common/report"
)

// rssGoal is issue 16's bound on the client's peak memory against hostile
// servers at -m 1000.
const rssGoalMB = 128

// BenchmarkHostileRSS runs flags2 and flags3, built as child processes,
// with -e -m 1000 against three hostile servers on loopback: a body that
// never ends, 100 MB without Content-Length, and a gzip bomb (1 MB that
// inflates to 1 GiB). For each it reports the child's peak resident memory
// next to the 128 MB goal, and its wall time; it fails unless every code
// ended as an error naming a size limit.
//
//	go test ./flags2 -run '^$' -bench HostileRSS -benchtime 1x
//
// HOSTILE_BIN_DIR=dir takes flags2 and flags3 from dir instead of building
// them (to measure another version), and HOSTILE_M=n sets -m (an older
// client at -m 1000 can take tens of GB).
func BenchmarkHostileRSS(b *testing.B) {
	m := "1000"
	if v := os.Getenv("HOSTILE_M"); v != "" {
		m = v
	}
	launcher := build(b, ".", "flags2")
	clients := map[string]string{"flags2": launcher, "flags3": ""}
	if dir := os.Getenv("HOSTILE_BIN_DIR"); dir != "" {
		clients["flags2"], clients["flags3"] = filepath.Join(dir, "flags2"), filepath.Join(dir, "flags3")
	} else {
		clients["flags3"] = build(b, "../flags3", "flags3")
	}
	servers := []struct {
		name string
		h    http.Handler
	}{
		{"endless", fetchtest.Endless()},
		{"100MB", fetchtest.Sized(100 << 20)},
		{"gzip-bomb", fetchtest.GzipBomb(fetchtest.Bomb(1 << 30))},
	}
	for _, client := range []string{"flags2", "flags3"} {
		for _, s := range servers {
			b.Run(client+"/"+s.name, func(b *testing.B) {
				srv := httptest.NewServer(s.h)
				defer srv.Close()
				var rssKB int64
				var wall time.Duration
				for b.Loop() {
					var rep report.JSON
					launched := launchJSON(b, launcher, &rep, clients[client], "-e", "-m", m, "-s", srv.URL+"/flags",
						"--no-embed", "--json", "--timeout", "60s", "--dest", b.TempDir())
					if launched.Exit != 0 {
						b.Fatalf("%s: exit %d", client, launched.Exit)
					}
					for _, r := range rep.Results {
						if r.Status != "error" || !strings.Contains(r.Error, "body too large") {
							b.Fatalf("%s %s: %s %q; want an error naming the size limit", client, r.CC, r.Status, r.Error)
						}
					}
					if rep.Errors != rep.Requested {
						b.Fatalf("%d errors of %d codes; want all", rep.Errors, rep.Requested)
					}
					rssKB = max(rssKB, launched.MaxRSSKB)
					wall = max(wall, time.Duration(launched.WallNS))
				}
				b.ReportMetric(float64(rssKB)/1024, "peak-RSS-MB")
				b.ReportMetric(rssGoalMB, "goal-MB")
				b.ReportMetric(wall.Seconds(), "wall-s")
			})
		}
	}
}

// launchJSON runs argv through flags2's launcher (see bench/launch.go: a
// child started straight from a large process inherits its peak RSS),
// decodes the client's JSON report into rep and returns what the launcher
// measured. It gives up after two minutes.
func launchJSON(b *testing.B, launcher string, rep *report.JSON, argv ...string) (measured struct {
	Exit     int   `json:"exit"`
	MaxRSSKB int64 `json:"max_rss_kb"`
	WallNS   int64 `json:"wall_ns"`
}) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, w, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	cmd := exec.CommandContext(ctx, launcher, append([]string{"bench", "--launch"}, argv...)...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr, cmd.ExtraFiles = &stdout, &stderr, []*os.File{w} // the launcher reports on fd 3
	err = cmd.Run()
	w.Close()
	if derr := json.NewDecoder(r).Decode(&measured); err != nil || derr != nil {
		b.Fatalf("launcher: %v (report: %v)\n%s", err, derr, stderr.String())
	}
	if err := json.Unmarshal([]byte(stdout.String()), rep); err != nil {
		b.Fatalf("%s: not a JSON report: %v", argv[0], err)
	}
	return measured
}
