package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"flagsuite/common/trace/tracetest"
	"flagsuite/testserver/clienttest"
	"flagsuite/testserver/site"
)

// TestTraceInvariants runs flags3, two requests per code each taking a
// slot, with --retries and --trace, and checks the trace against the JSON
// report (see tracetest.Check).
func TestTraceInvariants(t *testing.T) {
	t.Parallel()
	base := clienttest.Serve(t, site.New(site.Config{Mode: site.Error, ErrorDelay: 5 * time.Millisecond, Seed: 11, Seeded: true}))
	for _, tt := range []struct {
		strategy string
		args     []string
	}{
		{"loop", []string{"-a", "-m", "40"}},
		{"pool", []string{"-a", "-m", "20"}},
		{"sequential", []string{"B"}},
	} {
		t.Run(tt.strategy, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			file := filepath.Join(dir, "t.json")
			args := append(tt.args, "--strategy", tt.strategy, "--retries", "2", "--trace", file,
				"-s", base, "--dest", filepath.Join(dir, "flags"))
			code, rep, stderr := clienttest.RunJSON(t, context.Background(), family.Run, args...)
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			tracetest.Check(t, tracetest.Parse(t, data), rep)
		})
	}
}
