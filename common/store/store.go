// Package store saves downloaded files so that a reader, or an interrupted
// run, never sees half of one: each file is written to a temporary name in
// its destination folder, synced, and renamed into place.
//
// Pool is the executor the downloaders hand their writes to (the
// counterpart of asyncio's run_in_executor), so a slow disk never stalls
// the event loop or holds a network slot:
//
//	Submit ──► bounded queue ──► N writer goroutines ──► WriteAtomic ──► done(err)
package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// tempSuffix marks our temporary files: ".<name>.tmp-<random digits>".
// The leading dot keeps them out of plain listings; RemoveTemps matches the
// whole pattern, so it never touches anyone else's files.
const tempSuffix = ".tmp-"

var tempPattern = regexp.MustCompile(`^\..+\.tmp-[0-9]+$`)

// PrepareDir creates dir and its parents if needed, then proves it can
// write there by creating and removing a temporary file, so a run fails at
// once with a clear message rather than on its first download:
// `cannot write to "downloaded": permission denied`.
func PrepareDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot create %q: %w", dir, cause(err))
	}
	f, err := os.CreateTemp(dir, ".probe"+tempSuffix+"*")
	if err != nil {
		return fmt.Errorf("cannot write to %q: %w", dir, cause(err))
	}
	name := f.Name()
	errClose := f.Close()
	errRemove := os.Remove(name)
	if err := errors.Join(errClose, errRemove); err != nil {
		return fmt.Errorf("cannot write to %q: %w", dir, cause(err))
	}
	return nil
}

// WriteAtomic saves data as dir/name: it writes a temporary file in dir
// (".name.tmp-*"), syncs and closes it, then renames it over name. On any
// failure the temporary file is removed and name is left as it was. The
// file is created with mode 0644.
func WriteAtomic(dir, name string, data []byte) (err error) {
	path := filepath.Join(dir, name)
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return fmt.Errorf("cannot save %q: not a plain file name", name)
	}
	f, err := os.CreateTemp(dir, "."+name+tempSuffix+"*")
	if err != nil {
		return fmt.Errorf("cannot save %q: %w", path, cause(err))
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close() // harmless if already closed
			os.Remove(tmp)
			err = fmt.Errorf("cannot save %q: %w", path, cause(err))
		}
	}()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	// Sync before the rename: otherwise a crash can leave the new name
	// pointing at a file whose data never reached the disk.
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// RemoveTemps removes the temporary files WriteAtomic and PrepareDir leave
// behind when a process dies mid-write. Only names of their pattern are
// touched. A dir that does not exist holds nothing to remove.
func RemoveTemps(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot list %q: %w", dir, cause(err))
	}
	var errs []error
	for _, e := range entries {
		if !e.Type().IsRegular() || !tempPattern.MatchString(e.Name()) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("cannot remove %q: %w", filepath.Join(dir, e.Name()), cause(err)))
		}
	}
	return errors.Join(errs...)
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
