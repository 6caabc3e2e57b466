package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"flagsuite/testserver/clienttest"
	"flagsuite/testserver/site"
)

// BenchmarkTraceCost times flags2 -e -m 100 with and without --trace and
// --timeline, in interleaved rounds, and reports what tracing adds to the
// median run (overhead-%, against the 5 % it may cost) and the size of the
// files for 676 codes (trace-MB against about 2 MB). LOCAL is the worst
// case, a run of a fraction of a second; ERROR (50 ms a request, 25 %
// teapots, --retries 2) has the most events per code.
//
//	go test -run '^$' -bench TraceCost -benchtime 10x ./flags2
func BenchmarkTraceCost(b *testing.B) {
	for _, tt := range []struct {
		name string
		cfg  site.Config
		args []string
	}{
		{"LOCAL", site.Config{}, nil},
		{"ERROR", site.Config{Mode: site.Error, ErrorDelay: 50 * time.Millisecond, Seed: 1, Seeded: true}, []string{"--retries", "2"}},
	} {
		b.Run(tt.name, func(b *testing.B) {
			base := clienttest.Serve(b, site.New(tt.cfg))
			var plain, traced []time.Duration
			var traceSize, svgSize int64
			for round := 0; b.Loop(); round++ {
				dir := b.TempDir()
				run := func(extra ...string) time.Duration {
					args := append([]string{"-e", "-m", "100", "-s", base, "--no-embed", "--json",
						"--dest", filepath.Join(dir, fmt.Sprint(len(plain)+len(traced)))}, tt.args...)
					start := time.Now()
					if code := run(context.Background(), append(args, extra...), io.Discard, io.Discard); code != 0 {
						b.Fatalf("flags2 %q: exit %d", args, code)
					}
					return time.Since(start)
				}
				files := []string{"--trace", filepath.Join(dir, "t.json"), "--timeline", filepath.Join(dir, "t.svg")}
				if round%2 == 0 {
					plain = append(plain, run())
					traced = append(traced, run(files...))
				} else {
					traced = append(traced, run(files...))
					plain = append(plain, run())
				}
				traceSize, svgSize = size(b, files[1]), size(b, files[3])
			}
			mp, mt := median(plain), median(traced)
			b.ReportMetric(100*(mt.Seconds()-mp.Seconds())/mp.Seconds(), "overhead-%")
			b.ReportMetric(5, "limit-%")
			b.ReportMetric(mp.Seconds()*1000, "plain-ms")
			b.ReportMetric(float64(traceSize)/1e6, "trace-MB")
			b.ReportMetric(float64(svgSize)/1e6, "svg-MB")
		})
	}
}

func size(b *testing.B, name string) int64 {
	fi, err := os.Stat(name)
	if err != nil {
		b.Fatal(err)
	}
	return fi.Size()
}
