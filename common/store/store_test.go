package store_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"flagsuite/common/store"
)

// names lists the entries of dir, sorted.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	data := []byte("GIF89a flag of Brazil")
	if err := store.WriteAtomic(dir, "BR.gif", data); err != nil {
		t.Fatalf("WriteAtomic = %v", err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "BR.gif"))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("ReadFile = %q, %v; want %q", got, err, data)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "BR.gif")); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v; want 0644", fi.Mode().Perm())
	}

	// Overwriting replaces the whole file, never appends or leaves a tail.
	if err := store.WriteAtomic(dir, "BR.gif", []byte("GIF")); err != nil {
		t.Fatalf("WriteAtomic again = %v", err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "BR.gif")); string(got) != "GIF" {
		t.Errorf("after overwrite = %q; want %q", got, "GIF")
	}
	if got := names(t, dir); !slices.Equal(got, []string{"BR.gif"}) {
		t.Errorf("dir holds %q; want only BR.gif", got)
	}
}

func TestWriteAtomicFailures(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, dir string) (writeDir string)
		file    string
		wantErr string // part of the message
		is      error
	}{
		{
			name:    "destination is a directory",
			setup:   func(t *testing.T, dir string) string { mkdir(t, filepath.Join(dir, "BR.gif")); return dir },
			file:    "BR.gif",
			wantErr: "BR.gif\": is a directory",
			is:      syscall.EISDIR,
		},
		{
			name:    "folder is a file",
			setup:   func(t *testing.T, dir string) string { return writeFile(t, filepath.Join(dir, "plain")) },
			file:    "BR.gif",
			wantErr: "not a directory",
			is:      syscall.ENOTDIR,
		},
		{
			name:    "folder missing",
			setup:   func(t *testing.T, dir string) string { return filepath.Join(dir, "nowhere") },
			file:    "BR.gif",
			wantErr: "no such file or directory",
			is:      fs.ErrNotExist,
		},
		{
			name:    "name with a slash",
			setup:   func(t *testing.T, dir string) string { return dir },
			file:    "../BR.gif",
			wantErr: "not a plain file name",
		},
		{
			name:    "empty name",
			setup:   func(t *testing.T, dir string) string { return dir },
			file:    "",
			wantErr: "not a plain file name",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			wdir := tt.setup(t, dir)
			before := names(t, dir)
			err := store.WriteAtomic(wdir, tt.file, []byte("GIF89a"))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("WriteAtomic(%q, %q) = %v; want an error mentioning %q", wdir, tt.file, err, tt.wantErr)
			}
			if strings.Contains(err.Error(), ".tmp-") {
				t.Errorf("error %q names the temporary file; want the destination", err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(%v, %v) = false; want true", err, tt.is)
			}
			if after := names(t, dir); !slices.Equal(after, before) {
				t.Errorf("dir holds %q after the failure; want %q as before (no temporary file)", after, before)
			}
		})
	}
}

func mkdir(t *testing.T, path string) {
	t.Helper()
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPrepareDir(t *testing.T) {
	t.Run("creates parents", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "a", "b", "downloaded")
		if err := store.PrepareDir(dir); err != nil {
			t.Fatalf("PrepareDir(%q) = %v", dir, err)
		}
		if got := names(t, dir); len(got) != 0 {
			t.Errorf("PrepareDir left %q behind; want an empty folder", got)
		}
	})
	t.Run("existing", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "BR.gif"))
		if err := store.PrepareDir(dir); err != nil {
			t.Fatalf("PrepareDir = %v", err)
		}
		if got := names(t, dir); !slices.Equal(got, []string{"BR.gif"}) {
			t.Errorf("dir holds %q; want only BR.gif", got)
		}
	})
	t.Run("a file in the way", func(t *testing.T) {
		file := writeFile(t, filepath.Join(t.TempDir(), "downloaded"))
		err := store.PrepareDir(file)
		want := `cannot create "` + file + `": not a directory`
		if err == nil || err.Error() != want {
			t.Errorf("PrepareDir = %v; want %q", err, want)
		}
	})
	t.Run("read-only", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root can write anywhere")
		}
		dir := filepath.Join(t.TempDir(), "ro")
		mkdir(t, dir)
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		err := store.PrepareDir(dir)
		want := `cannot write to "` + dir + `": permission denied`
		if err == nil || err.Error() != want || !errors.Is(err, fs.ErrPermission) {
			t.Errorf("PrepareDir = %v; want %q", err, want)
		}
	})
}
