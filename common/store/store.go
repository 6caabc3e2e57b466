// Package store saves downloaded files so that no final name ever holds
// part of one, whether the run ends, is interrupted or is killed: each file
// is written to a new temporary name in its destination folder and renamed
// into place.
//
// A run saves through one Writer: its writes do not wait for the disk, and
// one Sync at the end (a syncfs on Linux) makes every file durable before
// the run reports them; a Writer removes only the temporary files it made
// itself. WriteAtomic saves a single file, synced on its own.
//
// Pool is the executor the downloaders hand their writes to (the
// counterpart of asyncio's run_in_executor), so a slow disk never stalls
// the event loop or holds a network slot:
//
//	Submit ──► bounded queue ──► N writer goroutines ──► Writer.Write ──► done(err)
package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// PrepareDir creates dir and its parents if needed, then proves it can
// write there by creating and removing a temporary file, so a run fails at
// once with a clear message rather than on its first download:
// `cannot write to "downloaded": permission denied`.
func PrepareDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot create %q: %w", dir, cause(err))
	}
	probe := filepath.Join(dir, tempName("probe"))
	f, err := OS.Create(probe)
	if err != nil {
		return fmt.Errorf("cannot write to %q: %w", dir, cause(err))
	}
	errClose := f.Close()
	errRemove := OS.Remove(probe)
	if err := errors.Join(errClose, errRemove); err != nil {
		return fmt.Errorf("cannot write to %q: %w", dir, cause(err))
	}
	return nil
}

// WriteAtomic saves data as dir/name on its own, durably: it writes a
// temporary file in dir, syncs it, closes it and renames it over name. On
// any failure name is left as it was. For many files, a Writer and one Sync
// at the end cost far less.
func WriteAtomic(dir, name string, data []byte) error {
	return newSyncingWriter(OS).Write(dir, name, data)
}

func newSyncingWriter(fsys FS) *Writer {
	w := NewWriter(fsys)
	w.syncEach = true
	return w
}

// cause strips the *fs.PathError or *os.LinkError around a system error,
// whose message repeats a path (often a temporary one) that the caller's
// message already names better. errors.Is still sees the error number, so
// errors.Is(err, fs.ErrPermission) keeps working.
func cause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
