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
