package store

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Writer saves the files of one run. Write puts each file in place
// atomically (a temporary name, then a rename) without waiting for the
// disk; Sync then makes all of them durable at once. A Writer remembers the
// temporary names it made, so Cleanup removes its own leftovers and never
// anyone else's files, even in a folder shared with another run.
//
// A Writer is safe for concurrent use.
type Writer struct {
	fs       FS
	syncEach bool // fsync each file before its rename (WriteAtomic)

	mu    sync.Mutex
	temps map[string]bool // guarded by mu: temporary files made and not yet renamed or removed
	dirs  map[string]bool // guarded by mu: folders written to since the last Sync
}

// NewWriter returns a Writer that calls fsys; nil means OS.
func NewWriter(fsys FS) *Writer {
	if fsys == nil {
		fsys = OS
	}
	return &Writer{fs: fsys, temps: map[string]bool{}, dirs: map[string]bool{}}
}

// tempSeq numbers the temporary files of this process; with the process id
// it makes a name no other live run uses. The id is read once: a Go process
// keeps its id, and getpid(2) per file would be a system call wasted.
var (
	tempSeq atomic.Uint64
	tempPID = strconv.Itoa(os.Getpid())
)

// tempName is ".<name>.tmp-<pid>-<n>": hidden from plain listings, never
// ending in the final name's extension (so `ls *.gif` never shows one), and
// naming the process that made it.
func tempName(name string) string {
	return "." + name + ".tmp-" + tempPID + "-" + strconv.FormatUint(tempSeq.Add(1), 10)
}

// Write saves data as dir/name: it creates a new temporary file in dir,
// writes data, closes it and renames it over name. When Write returns nil,
// name holds all of data and nothing else, and only a crash of the whole
// machine before the next Sync can undo that. On failure name is left as
// it was and the temporary file is removed (or, if even that fails, left
// for Cleanup).
func (w *Writer) Write(dir, name string, data []byte) (err error) {
	path := filepath.Join(dir, name)
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return fmt.Errorf("cannot save %q: not a plain file name", name)
	}
	tmp := filepath.Join(dir, tempName(name))
	f, err := w.fs.Create(tmp)
	if err != nil {
		return fmt.Errorf("cannot save %q: %w", path, cause(err))
	}
	w.track(tmp, dir)
	defer func() {
		if err != nil {
			if w.fs.Remove(tmp) == nil {
				w.untrack(tmp)
			}
			err = fmt.Errorf("cannot save %q: %w", path, cause(err))
		}
	}()
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if w.syncEach {
		// Sync before the rename: otherwise a crash can leave the new
		// name pointing at a file whose data never reached the disk.
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := w.fs.Rename(tmp, path); err != nil {
		return err
	}
	w.untrack(tmp)
	return nil
}

func (w *Writer) track(tmp, dir string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.temps[tmp] = true
	w.dirs[dir] = true
}

func (w *Writer) untrack(tmp string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.temps, tmp)
}

// Sync makes every file Write has put in place durable, names included:
// one SyncDir per folder written to since the last Sync.
func (w *Writer) Sync() error {
	w.mu.Lock()
	dirs := slices.Sorted(maps.Keys(w.dirs))
	clear(w.dirs)
	w.mu.Unlock()
	var errs []error
	for _, dir := range dirs {
		if err := w.fs.SyncDir(dir); err != nil {
			errs = append(errs, fmt.Errorf("cannot sync %q: %w", dir, cause(err)))
		}
	}
	return errors.Join(errs...)
}

// Cleanup removes the temporary files this Writer made that are still
// there: those of writes that failed and could not remove their own. It
// never touches a file it did not create. Call it once the writes are done.
// Its error is one line, however many files it could not remove.
func (w *Writer) Cleanup() error {
	w.mu.Lock()
	temps := slices.Sorted(maps.Keys(w.temps))
	w.mu.Unlock()
	var failed []string
	var first error
	for _, tmp := range temps {
		if err := w.fs.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
			if first == nil {
				first = cause(err)
			}
			failed = append(failed, tmp)
			continue
		}
		w.untrack(tmp)
	}
	switch len(failed) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("cannot remove %q: %w", failed[0], first)
	}
	return fmt.Errorf("cannot remove %d temporary files (%q and %d more): %w", len(failed), failed[0], len(failed)-1, first)
}
