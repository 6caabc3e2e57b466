package main

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"syscall"
	"testing"
	"time"

	"flagsuite/common/cli"
	"flagsuite/common/engine"
	"flagsuite/common/fetch"
	"flagsuite/common/report"
	"flagsuite/common/servers"
	"flagsuite/common/store"
	"flagsuite/common/strategy"
	"flagsuite/common/trace"
	"flagsuite/testserver/clienttest"
	"flagsuite/testserver/site"
)

// BenchmarkTraceCost measures what --trace and --timeline add to a run of
// flags2 -e -m 100 (676 codes), next to the 5 % they may cost and the
// 2 MB a trace may take. Each round runs the engine with flags2's task
// against an in-process server, keeping the events its owner receives
// (they flow for the progress line anyway), then does what tracing adds on
// the owner: the Recorder observes every event, and the trace and the
// timeline are written to disk, as the command does, at once. cost-% is the median of that work over the
// median run; cpu-cost-% is the processor time that work used (the whole
// process's, so an upper bound) over the same median run, which a busy
// machine, stretching the wall time of every step, disturbs less. Timing
// the work itself, rather than two whole runs against each other, keeps
// the noise out of a difference of a few milliseconds. LOCAL is the worst case, a run of a fraction of a
// second; ERROR (50 ms a request, 25 % teapots, two retries) has the most
// events per code.
//
//	go test -run '^$' -bench TraceCost -benchtime 10x ./flags2
func BenchmarkTraceCost(b *testing.B) {
	for _, tt := range []struct {
		name    string
		cfg     site.Config
		retries int
	}{
		{"LOCAL", site.Config{}, 0},
		{"ERROR", site.Config{Mode: site.Error, ErrorDelay: 50 * time.Millisecond, Seed: 1, Seeded: true}, 2},
	} {
		b.Run(tt.name, func(b *testing.B) {
			base := clienttest.Serve(b, site.New(tt.cfg))
			codes, err := cli.ExpandCodes(nil, false, true)
			if err != nil {
				b.Fatal(err)
			}
			cfg := cli.Config{Server: servers.Server{Label: "URL", BaseURL: base}, Codes: codes, Concurrency: 100}
			var runs, work, obs, written, cpu []time.Duration
			var traceSize, svgSize int64
			// The command's garbage collector settings (runner.TuneGC), and
			// each round starting from a clean heap, as a command does.
			defer debug.SetGCPercent(debug.SetGCPercent(400))
			defer debug.SetMemoryLimit(debug.SetMemoryLimit(64 << 20))
			for b.Loop() {
				runtime.GC()
				dir := b.TempDir()
				client := fetch.New(fetch.Config{Concurrency: 100, Retries: tt.retries})
				writers := store.NewPool(4)
				var events []engine.Event
				start := time.Now()
				engine.Run(context.Background(), engine.Config{Strategy: strategy.Loop, Concurrency: 100,
					Dest: filepath.Join(dir, "flags"), Writers: writers, Observe: func(e engine.Event) { events = append(events, e) }},
					codes, imageTask(client, cfg), func(r report.Result) {})
				writers.Close()
				runs = append(runs, time.Since(start))
				client.CloseIdle()

				files := []string{filepath.Join(dir, "t.json"), filepath.Join(dir, "t.svg")}
				cpu0 := cpuTime(b)
				start = time.Now()
				rec := &trace.Recorder{Title: "loop -m 100", Slots: 100}
				for _, e := range events {
					rec.Observe(e)
				}
				observed := time.Now()
				if err := rec.WriteFiles(files[0], files[1]); err != nil {
					b.Fatal(err)
				}
				obs, written = append(obs, observed.Sub(start)), append(written, time.Since(observed))
				cpu = append(cpu, cpuTime(b)-cpu0)
				work = append(work, time.Since(start))
				traceSize, svgSize = size(b, files[0]), size(b, files[1])
			}
			b.ReportMetric(100*median(work).Seconds()/median(runs).Seconds(), "cost-%")
			b.ReportMetric(100*median(cpu).Seconds()/median(runs).Seconds(), "cpu-cost-%")
			b.ReportMetric(5, "limit-%")
			b.ReportMetric(median(runs).Seconds()*1000, "run-ms")
			b.ReportMetric(median(work).Seconds()*1000, "trace-ms")
			b.ReportMetric(median(obs).Seconds()*1000, "observe-ms")
			b.ReportMetric(median(written).Seconds()*1000, "write-ms")
			b.ReportMetric(float64(traceSize)/1e6, "trace-MB")
			b.ReportMetric(float64(svgSize)/1e6, "svg-MB")
		})
	}
}

// cpuTime is the processor time the process has used, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func size(b *testing.B, name string) int64 {
	fi, err := os.Stat(name)
	if err != nil {
		b.Fatal(err)
	}
	return fi.Size()
}
