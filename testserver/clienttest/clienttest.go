// Package clienttest holds what the tests of the client commands share:
// a loopback server, a run that returns the JSON report, the real data set
// when it is present, and a listing of a download folder.
package clienttest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"flagsuite/common/command"
	"flagsuite/common/report"
	"flagsuite/common/strategy"
	"flagsuite/testserver/dataset"
)

// Strategies lists the strategies every client has, as the words of their
// --strategy flag, for table tests.
func Strategies() []string {
	var s []string
	for _, n := range strategy.All {
		s = append(s, string(n))
	}
	return s
}

// CheckTally fails the test unless every requested code is counted exactly
// once in rep: one result per code, no code twice, each total equal to the
// results with its status, and ok + not found + errors + not attempted +
// cancelled = requested. When codes is given, the results must be for exactly those codes.
func CheckTally(t testing.TB, rep report.JSON, codes ...string) {
	t.Helper()
	sum := rep.OK + rep.NotFound + rep.Errors + rep.NotAttempted + rep.Cancelled
	if sum != rep.Requested || len(rep.Results) != rep.Requested {
		t.Errorf("ok %d + not found %d + errors %d + not attempted %d + cancelled %d = %d, with %d results; want %d",
			rep.OK, rep.NotFound, rep.Errors, rep.NotAttempted, rep.Cancelled, sum, len(rep.Results), rep.Requested)
	}
	seen := map[string]int{}
	byStatus := map[string]int{}
	for _, r := range rep.Results {
		if seen[r.CC]++; seen[r.CC] == 2 {
			t.Errorf("code %s has more than one result", r.CC)
		}
		byStatus[r.Status]++
	}
	for status, total := range map[string]int{"ok": rep.OK, "not_found": rep.NotFound, "error": rep.Errors,
		"not_attempted": rep.NotAttempted, "cancelled": rep.Cancelled} {
		if byStatus[status] != total {
			t.Errorf("%d results with status %q; the report's total says %d", byStatus[status], status, total)
		}
	}
	if codes == nil {
		return
	}
	for _, cc := range codes {
		if seen[cc] == 0 {
			t.Errorf("code %s was requested and has no result", cc)
		}
	}
	if len(seen) != len(codes) {
		t.Errorf("results for %d distinct codes; want the %d requested", len(seen), len(codes))
	}
}

// CheckRun fails the test unless rep and dest agree with data: every code
// counted once (CheckTally); the files in dest exactly those the ok results
// name; each named as name says and byte-identical to the image data holds
// for its code.
func CheckRun(t testing.TB, rep report.JSON, dest string, data fs.FS, name func(report.JSONResult) string) {
	t.Helper()
	CheckTally(t, rep)
	var want []string
	for _, r := range rep.Results {
		if r.Status != "ok" {
			continue
		}
		if n := name(r); r.File != n {
			t.Errorf("%s saved as %q; want %q", r.CC, r.File, n)
		}
		want = append(want, r.File)
		lc := strings.ToLower(r.CC)
		image, err := fs.ReadFile(data, lc+"/"+lc+".gif")
		if err != nil {
			t.Fatalf("%s reported ok, but the server has no image: %v", r.CC, err)
		}
		got, err := os.ReadFile(filepath.Join(dest, r.File))
		if err != nil || !bytes.Equal(got, image) {
			t.Errorf("%s: %d bytes on disk differ from the %d served (%v)", r.File, len(got), len(image), err)
		}
	}
	slices.Sort(want)
	if files := Files(t, dest); !slices.Equal(files, want) {
		t.Errorf("dest holds %d files; want the %d the ok results name", len(files), len(want))
	}
}

// RunFunc is a command's run function.
type RunFunc func(ctx context.Context, args []string, stdout, stderr io.Writer) int

// Serve starts h on a loopback port for the test and returns its base URL,
// the server URL with "/flags".
func Serve(t testing.TB, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL + "/flags"
}

// RunJSON runs a command with --json and --no-embed added, and returns its
// exit code, its report (decoded when the run got that far) and its stderr.
func RunJSON(t testing.TB, ctx context.Context, run RunFunc, args ...string) (int, report.JSON, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	args = append(slices.Clip(args), "--json", "--no-embed")
	code := run(ctx, args, &stdout, &stderr)
	var rep report.JSON
	if code != command.ExitUsage && code != command.ExitFatal {
		if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
			t.Fatalf("run %q: stdout is not a JSON report: %v\n%s\nstderr: %s", args, err, stdout.String(), stderr.String())
		}
	}
	return code, rep, stderr.String()
}

// RealData opens the real data set, ../shared/data/flags.zip beside the
// module, or skips the test when it is not there (a fresh clone has none).
func RealData(t testing.TB) fs.FS {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "data", "flags.zip")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("real data set not present (%v); skipping", err)
	}
	data, closer, err := dataset.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closer.Close() })
	return data
}

// Files returns the sorted names in dir.
func Files(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	return names
}

// GoCommand returns the path of the go command that runs the tests, for
// tests that build a command to run it as a child process. It looks in
// $PATH, then under $GOROOT, and fails the test when neither has one.
func GoCommand(tb testing.TB) string {
	tb.Helper()
	if gobin, err := exec.LookPath("go"); err == nil {
		return gobin
	}
	if root := os.Getenv("GOROOT"); root != "" {
		if gobin := filepath.Join(root, "bin", "go"); fileExists(gobin) {
			return gobin
		}
	}
	tb.Fatal("no go command in $PATH or $GOROOT/bin: cannot build the command under test")
	return ""
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
