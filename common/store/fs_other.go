//go:build !unix

package store

import "os"

// osFS outside Unix goes through package os. There is no syncfs there, so
// each file is synced as it is closed and SyncDir has nothing left to do.
type osFS struct{}

func (osFS) Create(path string) (File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	return syncOnClose{f}, nil
}

func (osFS) Rename(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }
func (osFS) Remove(path string) error             { return os.Remove(path) }
func (osFS) SyncDir(string) error                 { return nil }

type syncOnClose struct{ *os.File }

func (f syncOnClose) Close() error {
	if err := f.File.Sync(); err != nil {
		f.File.Close()
		return err
	}
	return f.File.Close()
}
