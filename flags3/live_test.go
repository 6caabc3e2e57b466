package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"flagsuite/common/progress/ptytest"
	"flagsuite/common/report"
	"flagsuite/testserver/clienttest"
	"flagsuite/testserver/site"
)

// TestLiveLineOnATerminal runs flags3, two requests per code, with stderr
// on a pseudo-terminal: the frames fit, light no more slots than -m though
// each request takes its own slot, and the final line counts what the JSON
// report counts.
func TestLiveLineOnATerminal(t *testing.T) {
	t.Parallel()
	base := clienttest.Serve(t, site.New(site.Config{Mode: site.Error, ErrorDelay: 20 * time.Millisecond, Seed: 5, Seeded: true}))
	for _, tt := range []struct {
		strategy string
		cols     int
		args     []string
	}{
		{"loop", 80, []string{"-a", "-m", "8"}},
		{"loop", 40, []string{"-a", "-m", "100"}},
		{"pool", 80, []string{"-a", "-m", "30"}},
		{"pool", 120, []string{"-a", "-m", "8"}},
		{"sequential", 80, []string{"A"}},
	} {
		t.Run(fmt.Sprintf("%s/%d/%s", tt.strategy, tt.cols, tt.args), func(t *testing.T) {
			t.Parallel()
			master, slave := ptytest.Open(t, tt.cols)
			stop := ptytest.Record(master, slave)
			var stdout bytes.Buffer
			args := append(tt.args, "--strategy", tt.strategy, "-s", base, "--no-embed", "--json", "--dest", t.TempDir())
			code := family.Run(context.Background(), args, &stdout, slave)
			out := stop()
			var rep report.JSON
			if err := json.Unmarshal(stdout.Bytes(), &rep); code != 0 || err != nil {
				t.Fatalf("exit %d, report %v; stderr:\n%s", code, err, out)
			}
			ptytest.CheckLive(t, out, ptytest.Want{Cols: tt.cols, Slots: rep.Concurrency,
				OK: rep.OK, NotFound: rep.NotFound, Errors: rep.Errors})
		})
	}
}
