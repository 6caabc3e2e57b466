package store_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"flagsuite/common/store"
	"flagsuite/common/store/storetest"
)

// TestWriterOrder records the calls of two writes and a Sync: each file is
// complete and closed before its name appears, no file is synced on its
// own, and one syncdir comes at the end.
func TestWriterOrder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rec := &storetest.FS{}
	w := store.NewWriter(rec)
	for _, name := range []string{"BR.gif", "CN.gif"} {
		if err := w.Write(dir, name, []byte("GIF89a "+name)); err != nil {
			t.Fatalf("Write(%s) = %v", name, err)
		}
	}
	if err := w.Sync(); err != nil {
		t.Fatalf("Sync = %v", err)
	}
	want := []string{
		"create .BR.gif.tmp", "write .BR.gif.tmp", "close .BR.gif.tmp", "rename BR.gif",
		"create .CN.gif.tmp", "write .CN.gif.tmp", "close .CN.gif.tmp", "rename CN.gif",
		"syncdir " + filepath.Base(dir),
	}
	if got := rec.Log(); !slices.Equal(got, want) {
		t.Errorf("calls:\n%q\nwant\n%q", got, want)
	}
	if got := names(t, dir); !slices.Equal(got, []string{"BR.gif", "CN.gif"}) {
		t.Errorf("dir holds %q; want the two files only", got)
	}
	// A second Sync with nothing written since has nothing to do.
	if err := w.Sync(); err != nil || len(rec.Log()) != len(want) {
		t.Errorf("second Sync = %v after %d calls; want nil and no new call", err, len(rec.Log())-len(want))
	}
}

// TestWriteAtomicOrder: a file saved on its own is synced before its
// rename, and a pool on a Writer syncs none.
func TestWriteAtomicOrder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rec := &storetest.FS{}
	if err := store.NewSyncingWriter(rec).Write(dir, "BR.gif", []byte("GIF")); err != nil {
		t.Fatal(err)
	}
	if got, want := rec.Log(), []string{"create .BR.gif.tmp", "write .BR.gif.tmp", "sync .BR.gif.tmp", "close .BR.gif.tmp", "rename BR.gif"}; !slices.Equal(got, want) {
		t.Errorf("WriteAtomic calls = %q; want %q", got, want)
	}

	rec = &storetest.FS{}
	p := store.NewPoolOn(store.NewWriter(rec), 2)
	p.Submit(dir, "CN.gif", []byte("GIF"), nil)
	p.Close()
	if got, want := rec.Log(), []string{"create .CN.gif.tmp", "write .CN.gif.tmp", "close .CN.gif.tmp", "rename CN.gif"}; !slices.Equal(got, want) {
		t.Errorf("pool calls = %q; want %q", got, want)
	}
}

// TestTempNames: a temporary name is hidden, names its process, never ends
// like the final name, and two writes never share one.
func TestTempNames(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var temps []string
	rec := &storetest.FS{Hook: func(op, name string) error {
		if op == "create" {
			temps = append(temps, name) // one writer, one goroutine: no race
		}
		return nil
	}}
	w := store.NewWriter(rec)
	for range 2 {
		if err := w.Write(dir, "BR.gif", []byte("GIF")); err != nil {
			t.Fatal(err)
		}
	}
	prefix := ".BR.gif.tmp-" + strconv.Itoa(os.Getpid()) + "-"
	if len(temps) != 2 || temps[0] == temps[1] {
		t.Fatalf("temporary names %q; want two different ones", temps)
	}
	for _, tmp := range temps {
		if !strings.HasPrefix(tmp, prefix) || strings.HasSuffix(tmp, ".gif") {
			t.Errorf("temporary name %q; want %q followed by a number", tmp, prefix)
		}
	}
}

// TestCleanupRemovesOnlyItsOwn: a write fails and cannot remove its
// temporary file (a disk going read-only); Cleanup removes that file later,
// and nothing else: not a file of the user's that looks temporary, not a
// temporary file of another run.
func TestCleanupRemovesOnlyItsOwn(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	foreign := []string{".notes.txt.tmp-1", ".BR.gif.tmp-123456", ".CN.gif.tmp-99-1", "AD.gif"}
	for _, n := range foreign {
		writeFile(t, filepath.Join(dir, n))
	}
	removes := 0
	rec := &storetest.FS{Hook: func(op, name string) error {
		switch op {
		case "write":
			return syscall.ENOSPC
		case "remove":
			removes++
			if removes == 1 { // the write's own attempt fails; Cleanup's works
				return syscall.EROFS
			}
		}
		return nil
	}}
	w := store.NewWriter(rec)
	err := w.Write(dir, "BR.gif", []byte("GIF"))
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Write = %v; want ENOSPC", err)
	}
	if got := len(names(t, dir)); got != len(foreign)+1 {
		t.Fatalf("dir holds %d files after the failed write; want %d (its temporary file stays)", got, len(foreign)+1)
	}
	if err := w.Cleanup(); err != nil {
		t.Fatalf("Cleanup = %v", err)
	}
	want := slices.Sorted(slices.Values(foreign))
	if got := names(t, dir); !slices.Equal(got, want) {
		t.Errorf("after Cleanup dir holds %q; want %q", got, want)
	}
	// Cleanup again: nothing left of ours, nothing else touched.
	if err := w.Cleanup(); err != nil || !slices.Equal(names(t, dir), want) {
		t.Errorf("second Cleanup = %v, dir %q; want nil, %q", err, names(t, dir), want)
	}
}

// TestCleanupFailure: when removing fails, Cleanup names the file and the cause.
func TestCleanupFailure(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rec := &storetest.FS{Hook: func(op, name string) error {
		switch op {
		case "close":
			return syscall.EIO
		case "remove":
			return syscall.EROFS
		}
		return nil
	}}
	w := store.NewWriter(rec)
	if err := w.Write(dir, "BR.gif", []byte("GIF")); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Write = %v; want EIO", err)
	}
	err := w.Cleanup()
	if want := `cannot remove "` + dir + `/.BR.gif.tmp-`; err == nil || !errors.Is(err, syscall.EROFS) ||
		!strings.HasPrefix(err.Error(), want) || !strings.HasSuffix(err.Error(), `": read-only file system`) {
		t.Errorf("Cleanup = %v; want `%s…\": read-only file system`", err, want)
	}
	// Two files left: still one line.
	if err := w.Write(dir, "CN.gif", []byte("GIF")); err == nil {
		t.Fatal("second Write succeeded")
	}
	err = w.Cleanup()
	if want := `cannot remove 2 temporary files ("` + dir + `/.BR.gif.tmp-`; err == nil ||
		!strings.HasPrefix(err.Error(), want) || !strings.HasSuffix(err.Error(), `" and 1 more): read-only file system`) {
		t.Errorf("Cleanup = %v; want `%s…\" and 1 more): read-only file system`", err, want)
	}
}

// TestTwoWritersShareAFolder: while one writer's file is between its
// creation and its rename, another writer in the same folder fails a write
// and cleans up. The first writer's file survives and lands.
func TestTwoWritersShareAFolder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	created := make(chan struct{})
	release := make(chan struct{})
	slow := store.NewWriter(&storetest.FS{Hook: func(op, name string) error {
		if op == "rename" {
			close(created) // the temporary file is complete and on disk
			<-release
		}
		return nil
	}})
	failing := store.NewWriter(&storetest.FS{Hook: func(op, name string) error {
		if op == "write" {
			return syscall.ENOSPC
		}
		return nil
	}})

	done := make(chan error, 1)
	go func() { done <- slow.Write(dir, "BR.gif", []byte("GIF89a Brazil")) }()
	<-created
	if err := failing.Write(dir, "CN.gif", []byte("GIF")); err == nil {
		t.Fatal("the failing writer's Write succeeded")
	}
	if err := failing.Cleanup(); err != nil {
		t.Fatalf("Cleanup = %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("the other writer lost its file: %v", err)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "BR.gif")); err != nil || string(got) != "GIF89a Brazil" {
		t.Errorf("BR.gif = %q, %v; want the whole image", got, err)
	}
}

// TestCreateNeverOpensAnExistingFile: the real file system refuses to
// create over a file that is there, whoever made it.
func TestCreateNeverOpensAnExistingFile(t *testing.T) {
	t.Parallel()
	path := writeFile(t, filepath.Join(t.TempDir(), ".BR.gif.tmp-1-1"))
	f, err := store.OS.Create(path)
	if !errors.Is(err, fs.ErrExist) {
		if f != nil {
			f.Close()
		}
		t.Errorf("Create(existing) = %v; want an error matching fs.ErrExist", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "x" {
		t.Errorf("the existing file now holds %q; want %q", got, "x")
	}
}

// TestSyncFailure: a failed sync says which folder.
func TestSyncFailure(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	w := store.NewWriter(&storetest.FS{Hook: func(op, name string) error {
		if op == "syncdir" {
			return syscall.EIO
		}
		return nil
	}})
	if err := w.Write(dir, "BR.gif", []byte("GIF")); err != nil {
		t.Fatal(err)
	}
	err := w.Sync()
	if want := `cannot sync "` + dir + `": input/output error`; err == nil || err.Error() != want {
		t.Errorf("Sync = %v; want %q", err, want)
	}
}
