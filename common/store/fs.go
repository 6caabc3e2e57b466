package store

import "io"

// FS is the handful of file-system calls a Writer makes. OS is the real
// one; tests pass their own to record the order of the calls or to make one
// of them fail.
type FS interface {
	// Create makes a new file at path for writing, with mode 0644 less the
	// umask. It fails if path exists: it never opens someone else's file.
	Create(path string) (File, error)
	// Rename moves oldpath to newpath, replacing a file already there.
	Rename(oldpath, newpath string) error
	// Remove deletes the file at path.
	Remove(path string) error
	// SyncDir makes durable every file written and renamed into dir, with
	// its name: one syncfs of dir's file system on Linux.
	SyncDir(dir string) error
}

// File is a file opened by FS.Create.
type File interface {
	io.Writer
	// Sync makes the file's data durable (fsync).
	Sync() error
	Close() error
}

// OS is the operating system's file system. On Unix it calls the system
// directly: a plain descriptor (no poller registration for a file that is
// written once), a rename without os.Rename's extra Lstat, and one syncfs
// per folder on Linux.
var OS FS = osFS{}
