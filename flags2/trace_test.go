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

// TestTraceInvariants runs flags2 -e --retries 2 --trace with each strategy
// against an ERROR server quick enough for a test, and checks from the
// trace alone that it tells the run as the JSON report does (see
// tracetest.Check).
func TestTraceInvariants(t *testing.T) {
	t.Parallel()
	base := clienttest.Serve(t, site.New(site.Config{Mode: site.Error, ErrorDelay: 5 * time.Millisecond, Seed: 7, Seeded: true}))
	for _, tt := range []struct {
		strategy string
		args     []string
	}{
		{"loop", []string{"-e", "-m", "100"}},
		{"pool", []string{"-e", "-m", "30"}},
		{"sequential", []string{"A", "B", "C"}},
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
			if rep.Retries == 0 {
				t.Fatal("no retries in the run; the test needs some")
			}
			tracetest.Check(t, tracetest.Parse(t, data), rep)
		})
	}
}

// TestTraceNeverOverwrites: an existing file named by --trace is refused
// before any request, and left as it was.
func TestTraceNeverOverwrites(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "t.json")
	if err := os.WriteFile(file, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := clienttest.RunJSON(t, context.Background(), family.Run, "BR", "--trace", file,
		"-s", "http://127.0.0.1:9/flags", "--dest", t.TempDir())
	if data, _ := os.ReadFile(file); code != 1 || string(data) != "mine" {
		t.Errorf("exit %d, file %q, stderr %q; want 1 and the file untouched", code, data, stderr)
	}
}
