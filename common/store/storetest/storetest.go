// Package storetest provides a store.FS for tests: it passes each call on
// to a real file system, records it, and lets a test fail or hold any of
// them, so a test can prove the order of a run's file-system calls or
// play a disk that fails half-way.
package storetest

import (
	"path/filepath"
	"strings"
	"sync"

	"flagsuite/common/store"
)

// FS records the calls made through it. The zero value passes every call
// to store.OS. It is safe for concurrent use.
type FS struct {
	// Base makes the real calls; nil means store.OS.
	Base store.FS
	// Hook, when set, runs before each call with the call's operation
	// ("create", "write", "sync", "close", "rename", "remove", "syncdir")
	// and the base name of its path (the new name, for a rename). A non-nil
	// error is returned as the call's, and the real call is skipped. Hook
	// may block to hold a call.
	Hook func(op, name string) error

	mu  sync.Mutex
	log []string // guarded by mu
}

func (f *FS) base() store.FS {
	if f.Base == nil {
		return store.OS
	}
	return f.Base
}

// Note adds an event of the test's own to the record, such as a line the
// code under test printed, so its place among the calls can be checked.
func (f *FS) Note(event string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, event)
}

// Log returns the record so far: one entry per call, "op name" (a temporary
// name shown as "op .BR.gif.tmp"), with " failed" after a call that failed,
// and the test's notes in their places.
func (f *FS) Log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.log...)
}

// call runs the hook, then real, and records the outcome.
func (f *FS) call(op, path string, real func() error) error {
	name := filepath.Base(path)
	var err error
	if f.Hook != nil {
		err = f.Hook(op, name)
	}
	if err == nil {
		err = real()
	}
	entry := op + " " + Shorten(name)
	if err != nil {
		entry += " failed"
	}
	f.Note(entry)
	return err
}

// Shorten cuts a temporary name after ".tmp": ".BR.gif.tmp-4242-7" becomes
// ".BR.gif.tmp", so records compare equal from run to run.
func Shorten(name string) string {
	if i := strings.Index(name, ".tmp-"); i >= 0 {
		return name[:i+len(".tmp")]
	}
	return name
}

func (f *FS) Create(path string) (store.File, error) {
	var file store.File
	err := f.call("create", path, func() (err error) {
		file, err = f.base().Create(path)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &recFile{fs: f, path: path, file: file}, nil
}

func (f *FS) Rename(oldpath, newpath string) error {
	return f.call("rename", newpath, func() error { return f.base().Rename(oldpath, newpath) })
}

func (f *FS) Remove(path string) error {
	return f.call("remove", path, func() error { return f.base().Remove(path) })
}

func (f *FS) SyncDir(dir string) error {
	return f.call("syncdir", dir, func() error { return f.base().SyncDir(dir) })
}

type recFile struct {
	fs   *FS
	path string
	file store.File
}

func (r *recFile) Write(p []byte) (int, error) {
	n := 0
	err := r.fs.call("write", r.path, func() (err error) {
		n, err = r.file.Write(p)
		return err
	})
	return n, err
}

func (r *recFile) Sync() error { return r.fs.call("sync", r.path, r.file.Sync) }

// Close always closes the real file, even when the hook fails the call,
// so a test never leaks a descriptor.
func (r *recFile) Close() error {
	closed := false
	err := r.fs.call("close", r.path, func() error { closed = true; return r.file.Close() })
	if !closed {
		r.file.Close()
	}
	return err
}
