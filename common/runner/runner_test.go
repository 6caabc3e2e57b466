package runner_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"flagsuite/common/cli"
	"flagsuite/common/command"
	"flagsuite/common/engine"
	"flagsuite/common/fetch"
	"flagsuite/common/report"
	"flagsuite/common/runner"
	"flagsuite/common/store"
	"flagsuite/common/store/storetest"
)

// fakeTask downloads nothing: every code is a tiny GIF at once, saved as
// <CC>.gif. When cancel is set, the task calls it on its cancelAt-th call,
// the way a Ctrl-C lands mid-run, and from then on reports the request cut
// short, as fetch.Client.Get does.
func fakeTask(cancelAt int64, cancel context.CancelFunc) func(*fetch.Client, cli.Config) engine.Task {
	var calls atomic.Int64
	return func(*fetch.Client, cli.Config) engine.Task {
		return func(ctx context.Context, cc string, gate fetch.Gate) engine.Outcome {
			if err := gate.Acquire(ctx); err != nil {
				return engine.Outcome{Result: report.Result{CC: cc, Status: report.Error, Err: err}}
			}
			defer gate.Release()
			if cancel != nil && calls.Add(1) == cancelAt {
				cancel()
			}
			r := report.Result{CC: cc, Attempts: 1, Bytes: 6, HTTPStatus: 200}
			if err := ctx.Err(); err != nil {
				r.Status, r.Err = report.Error, fmt.Errorf("get: %w", err)
				return engine.Outcome{Result: r}
			}
			r.Status, r.File = report.OK, cc+".gif"
			return engine.Outcome{Result: r, Save: []byte("GIF89a" + cc)}
		}
	}
}

func family(newTask func(*fetch.Client, cli.Config) engine.Task, fsys store.FS) runner.Family {
	return runner.Family{Command: cli.Command{Name: "flags2"}, NewTask: newTask, FS: fsys}
}

// runJSON runs f with --json and returns the exit status, the report and
// stderr without the progress line.
func runJSON(t *testing.T, ctx context.Context, f runner.Family, args ...string) (int, report.JSON, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := f.Run(ctx, append(args, "--json", "--no-embed"), &stdout, &stderr)
	var rep report.JSON
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("exit %d; stdout is not a JSON report: %v\n%s\nstderr: %s", code, err, stdout.String(), stderr.String())
	}
	return code, rep, problems(stderr.String())
}

// problems returns what the run said on stderr besides its progress line.
func problems(stderr string) string {
	var out []string
	for line := range strings.Lines(stderr) {
		if !strings.HasPrefix(line, "flags: ") {
			out = append(out, line)
		}
	}
	return strings.Join(out, "")
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// okFiles lists the files the ok results name, sorted.
func okFiles(rep report.JSON) []string {
	var files []string
	for _, r := range rep.Results {
		if r.Status == "ok" {
			files = append(files, r.File)
		}
	}
	slices.Sort(files)
	return files
}

// TestInterruptKeepsFilesOfOthers is issue 16's reproduction: a folder
// holds a file of the user's that looks temporary and the temporary files
// of other runs; an interrupted run leaves every one of them in place.
func TestInterruptKeepsFilesOfOthers(t *testing.T) {
	t.Parallel()
	for _, strategy := range []string{"sequential", "pool", "loop"} {
		t.Run(strategy, func(t *testing.T) {
			t.Parallel()
			dest := t.TempDir()
			others := []string{".notes.txt.tmp-1", ".BR.gif.tmp-123456", ".CN.gif.tmp-4242-7"}
			for _, n := range others {
				if err := os.WriteFile(filepath.Join(dest, n), []byte("not yours"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			code, rep, stderr := runJSON(t, ctx, family(fakeTask(10, cancel), nil),
				"-e", "-m", "4", "--strategy", strategy, "--dest", dest)
			if code != command.ExitInterrupted || !rep.Interrupted || stderr != "" {
				t.Fatalf("exit %d, interrupted %v, stderr %q; want %d, true, nothing", code, rep.Interrupted, stderr, command.ExitInterrupted)
			}
			want := slices.Sorted(slices.Values(append(okFiles(rep), others...)))
			if got := listDir(t, dest); !slices.Equal(got, want) {
				t.Errorf("after the interrupted run dest holds %q; want %q (the ok files and the others' files)", got, want)
			}
		})
	}
}

// TestTwoRunsShareAFolder: one run is held in the middle of saving its
// first file (the temporary file written, not yet renamed) while another
// run in the same folder is interrupted and cleans up. The first run then
// finishes and loses nothing.
func TestTwoRunsShareAFolder(t *testing.T) {
	t.Parallel()
	dest := t.TempDir()
	held := make(chan struct{})
	release := make(chan struct{})
	var renames atomic.Int64
	slowFS := &storetest.FS{Hook: func(op, name string) error {
		if op == "rename" && renames.Add(1) == 1 {
			close(held)
			<-release
		}
		return nil
	}}
	codes := []string{"AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO"}

	type outcome struct {
		code int
		rep  report.JSON
	}
	slow := make(chan outcome, 1)
	go func() {
		var stdout, stderr bytes.Buffer
		code := family(fakeTask(0, nil), slowFS).Run(context.Background(),
			append(slices.Clone(codes), "--json", "--no-embed", "--dest", dest, "-m", "2"), &stdout, &stderr)
		var rep report.JSON
		json.Unmarshal(stdout.Bytes(), &rep)
		slow <- outcome{code, rep}
	}()
	<-held

	// The other run fails one write and cannot remove its temporary file
	// at first, so its clean-up has something of its own to do.
	removes := 0
	otherFS := &storetest.FS{Hook: func(op, name string) error {
		switch {
		case op == "write" && strings.HasPrefix(name, ".BR."):
			return syscall.ENOSPC
		case op == "remove":
			if removes++; removes == 1 {
				return syscall.EIO
			}
		}
		return nil
	}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	code, _, stderr := runJSON(t, ctx, family(fakeTask(30, cancel), otherFS), "B", "C", "--strategy", "sequential", "--writers", "1", "--dest", dest)
	if code != command.ExitInterrupted || stderr != "" {
		t.Fatalf("interrupted run: exit %d, stderr %q; want %d and nothing", code, stderr, command.ExitInterrupted)
	}
	if !slices.Contains(otherFS.Log(), "remove .BR.gif.tmp") {
		t.Errorf("interrupted run never removed its temporary file; calls %q", otherFS.Log())
	}

	close(release)
	res := <-slow
	if res.code != command.ExitOK || res.rep.OK != len(codes) {
		t.Fatalf("the other run: exit %d, %d ok; want 0 and %d", res.code, res.rep.OK, len(codes))
	}
	for _, cc := range codes {
		if got, err := os.ReadFile(filepath.Join(dest, cc+".gif")); err != nil || string(got) != "GIF89a"+cc {
			t.Errorf("%s.gif = %q, %v; want the run's image", cc, got, err)
		}
	}
	for _, name := range listDir(t, dest) {
		if strings.Contains(name, ".tmp") {
			t.Errorf("%s left in the folder; want no temporary file of either run", name)
		}
	}
}

// TestCleanupFailureAfterInterrupt is issue 16 §2: the folder turns
// read-only mid-run, so a failed write cannot remove its temporary file,
// and neither can the clean-up after Ctrl-C. The report and exit 130 still
// come, and the clean-up problem is one more line on stderr.
func TestCleanupFailureAfterInterrupt(t *testing.T) {
	t.Parallel()
	dest := t.TempDir()
	var readOnly atomic.Bool
	fsys := &storetest.FS{Hook: func(op, name string) error {
		if strings.HasPrefix(name, ".AF.") && op == "write" {
			readOnly.Store(true)
		}
		if readOnly.Load() && op != "syncdir" {
			return syscall.EROFS
		}
		return nil
	}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	code, rep, stderr := runJSON(t, ctx, family(fakeTask(8, cancel), fsys),
		"A", "--dest", dest, "--strategy", "sequential", "--writers", "1")
	if code != command.ExitInterrupted || !rep.Interrupted {
		t.Errorf("exit %d, interrupted %v; want %d, true", code, rep.Interrupted, command.ExitInterrupted)
	}
	// AA to AE saved; AF's write fails and so does the removal of its
	// temporary file; AG cannot even be created; AH is cut short.
	if rep.OK != 5 || rep.Errors != 2 || rep.Requested != 26 {
		t.Errorf("ok %d, errors %d of %d; want 5 ok, 2 errors of 26", rep.OK, rep.Errors, rep.Requested)
	}
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], `flags2: cannot remove "`+dest) ||
		!strings.Contains(lines[0], "/.AF.gif.tmp-") || !strings.HasSuffix(lines[0], `": read-only file system`) {
		t.Errorf("stderr = %q; want one line `flags2: cannot remove \".../.AF.gif.tmp-…\": read-only file system`", stderr)
	}
}

// TestCleanupAfterInterrupt: a failed write whose temporary file could not
// be removed at once (a passing I/O error) is removed by the clean-up that
// follows the interrupt.
func TestCleanupAfterInterrupt(t *testing.T) {
	t.Parallel()
	dest := t.TempDir()
	removes := 0 // the sequential strategy and one writer: one goroutine at a time
	fsys := &storetest.FS{Hook: func(op, name string) error {
		switch {
		case op == "close" && strings.HasPrefix(name, ".AC."):
			return syscall.EIO
		case op == "remove":
			if removes++; removes == 1 {
				return syscall.EIO
			}
		}
		return nil
	}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	code, rep, stderr := runJSON(t, ctx, family(fakeTask(8, cancel), fsys),
		"A", "--dest", dest, "--strategy", "sequential", "--writers", "1")
	if code != command.ExitInterrupted || stderr != "" || rep.Errors != 1 {
		t.Fatalf("exit %d, stderr %q, %d errors; want %d, nothing, 1 (AC's write)", code, stderr, rep.Errors, command.ExitInterrupted)
	}
	if got, want := listDir(t, dest), okFiles(rep); !slices.Equal(got, want) {
		t.Errorf("dest holds %q; want %q: the temporary file of the failed write removed", got, want)
	}
}

// noter records what is printed on stdout, line by line, among the file
// calls.
type noter struct{ fs *storetest.FS }

func (n noter) Write(p []byte) (int, error) {
	for line := range strings.Lines(string(p)) {
		n.fs.Note("print " + strings.TrimSuffix(line, "\n"))
	}
	return len(p), nil
}

// TestSavedBeforeCountedSyncedBeforeReport is issue 19's order: no code is
// counted (its verbose line printed) before its file has its name, no file
// is synced on its own, and one sync of the folder comes before the report.
func TestSavedBeforeCountedSyncedBeforeReport(t *testing.T) {
	t.Parallel()
	for _, strategy := range []string{"sequential", "pool", "loop"} {
		t.Run(strategy, func(t *testing.T) {
			t.Parallel()
			dest := t.TempDir()
			fsys := &storetest.FS{}
			var stderr bytes.Buffer
			code := family(fakeTask(0, nil), fsys).Run(context.Background(),
				[]string{"B", "-v", "--no-embed", "--dest", dest, "--strategy", strategy, "-m", "5"}, noter{fsys}, &stderr)
			if code != command.ExitOK {
				t.Fatalf("exit %d; stderr %s", code, stderr.String())
			}
			log := fsys.Log()
			renamed := map[string]bool{}
			synced, reported, counted, lastRename := -1, -1, 0, -1
			for i, e := range log {
				switch {
				case strings.HasPrefix(e, "rename "):
					renamed[strings.TrimPrefix(e, "rename ")] = true
					lastRename = i
				case strings.HasPrefix(e, "sync "):
					t.Errorf("%q: a file synced on its own", e)
				case strings.HasPrefix(e, "syncdir "):
					if synced >= 0 {
						t.Errorf("a second syncdir at %d", i)
					}
					synced = i
				case strings.HasPrefix(e, "print ") && strings.HasSuffix(e, " OK"):
					cc := strings.TrimSuffix(strings.TrimPrefix(e, "print "), " OK")
					if !renamed[cc+".gif"] {
						t.Errorf("%s counted before %s.gif had its name", cc, cc)
					}
					counted++
				case e == "print --------------------":
					reported = i
				}
			}
			if counted != 26 || len(renamed) != 26 {
				t.Errorf("%d counted, %d renamed; want 26 each", counted, len(renamed))
			}
			if synced < lastRename || reported < synced {
				t.Errorf("last rename at %d, syncdir at %d, report at %d; want them in that order\n%q", lastRename, synced, reported, log)
			}
			if n := len(listDir(t, dest)); n != 26 {
				t.Errorf("dest holds %d files; want 26", n)
			}
		})
	}
}

// getTask fetches {base}/{cc} with the run's client: a real request.
func getTask(client *fetch.Client, cfg cli.Config) engine.Task {
	return func(ctx context.Context, cc string, gate fetch.Gate) engine.Outcome {
		resp, err := client.Get(ctx, cfg.Server.BaseURL+"/"+cc, gate)
		r := report.Result{CC: cc, Attempts: resp.Attempts, HTTPStatus: resp.StatusCode, Status: report.Error, Err: err,
			Latency: resp.Latency, Bytes: int64(len(resp.Body))}
		if err != nil {
			r.Detail = fetch.Describe(err)
			return engine.Outcome{Result: r}
		}
		r.Status, r.File = report.OK, cc+".gif"
		return engine.Outcome{Result: r, Save: resp.Body}
	}
}

// TestUpHint: the "is it up?" hint follows a refused connection, never a
// timeout of a server that is up but slow.
func TestUpHint(t *testing.T) {
	t.Parallel()
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(hang.Close)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close() // nothing listens there now
	tests := []struct {
		name, base string
		hint       bool
	}{
		{"refused", closed.URL + "/flags", true},
		{"timeout", hang.URL + "/flags", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := family(getTask, nil).Run(context.Background(),
				[]string{"BR", "CN", "-s", tt.base, "--timeout", "0.05", "--no-embed", "--dest", t.TempDir()}, &stdout, &stderr)
			if code != command.ExitOK || !strings.Contains(stdout.String(), "2 errors.") {
				t.Fatalf("exit %d, report %q; want 0 and 2 errors", code, stdout.String())
			}
			if got := strings.Contains(stderr.String(), "is "+tt.base+" up?"); got != tt.hint {
				t.Errorf("hint shown = %v; want %v\nstderr: %s", got, tt.hint, stderr.String())
			}
		})
	}
}

// TestInterruptedJSON is issue 18 §4: Ctrl-C lands while exactly m requests
// are in flight (the server holds them); those codes are "cancelled", the
// rest "not_attempted", none with bytes or latency, and the totals add up.
func TestInterruptedJSON(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		strategy string
		m        int
	}{{"sequential", 1}, {"pool", 5}, {"loop", 5}} {
		t.Run(tt.strategy, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var arrived atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if arrived.Add(1) == int64(tt.m) {
					cancel() // Ctrl-C with every slot taken
				}
				<-r.Context().Done()
			}))
			t.Cleanup(srv.Close)
			code, rep, stderr := runJSON(t, ctx, family(getTask, nil), "A", "-m", fmt.Sprint(tt.m),
				"--strategy", tt.strategy, "-s", srv.URL+"/flags", "--dest", t.TempDir())
			if code != command.ExitInterrupted || stderr != "" {
				t.Fatalf("exit %d, stderr %q; want %d and nothing", code, stderr, command.ExitInterrupted)
			}
			if rep.Cancelled != tt.m || rep.NotAttempted != 26-tt.m || rep.OK+rep.NotFound+rep.Errors != 0 {
				t.Errorf("cancelled %d, not attempted %d, others %d; want %d, %d, 0",
					rep.Cancelled, rep.NotAttempted, rep.OK+rep.NotFound+rep.Errors, tt.m, 26-tt.m)
			}
			byStatus := map[string]int{}
			for _, r := range rep.Results {
				byStatus[r.Status]++
				if r.Bytes != 0 || r.LatencyMS != 0 || r.HTTPStatus != 0 || r.Error != "" {
					t.Errorf("%s %s: bytes %d, latency %v, status %d, error %q; want none: it did not finish",
						r.CC, r.Status, r.Bytes, r.LatencyMS, r.HTTPStatus, r.Error)
				}
			}
			if byStatus["cancelled"] != rep.Cancelled || byStatus["not_attempted"] != rep.NotAttempted || len(rep.Results) != 26 {
				t.Errorf("results by status %v; want the totals, 26 in all", byStatus)
			}
		})
	}
}
