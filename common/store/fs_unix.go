//go:build unix

package store

import (
	"io/fs"
	"syscall"
)

type osFS struct{}

// Create opens path with O_EXCL, so an existing file, whoever made it, is
// never opened, and O_CLOEXEC, so a child process never inherits it.
func (osFS) Create(path string) (File, error) {
	var fd int
	err := retryEINTR(func() (err error) {
		fd, err = syscall.Open(path, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_CLOEXEC, 0o644)
		return err
	})
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return &rawFile{fd: fd, path: path}, nil
}

func (osFS) Rename(oldpath, newpath string) error {
	if err := retryEINTR(func() error { return syscall.Rename(oldpath, newpath) }); err != nil {
		return &fs.PathError{Op: "rename", Path: newpath, Err: err}
	}
	return nil
}

func (osFS) Remove(path string) error {
	if err := retryEINTR(func() error { return syscall.Unlink(path) }); err != nil {
		return &fs.PathError{Op: "remove", Path: path, Err: err}
	}
	return nil
}

func (osFS) SyncDir(dir string) error {
	var fd int
	err := retryEINTR(func() (err error) {
		fd, err = syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return &fs.PathError{Op: "open", Path: dir, Err: err}
	}
	defer syscall.Close(fd)
	if err := syncfs(fd); err != nil {
		return &fs.PathError{Op: "sync", Path: dir, Err: err}
	}
	return nil
}

// rawFile is a descriptor written with plain system calls. A regular file
// is never "not ready", so going through the runtime's poller, as an
// *os.File does, buys nothing here and costs two epoll calls per file.
type rawFile struct {
	fd   int
	path string
}

func (f *rawFile) Write(p []byte) (int, error) {
	written := 0
	for written < len(p) {
		n, err := syscall.Write(f.fd, p[written:])
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return written, &fs.PathError{Op: "write", Path: f.path, Err: err}
		case n == 0:
			return written, &fs.PathError{Op: "write", Path: f.path, Err: syscall.EIO}
		}
		written += n
	}
	return written, nil
}

func (f *rawFile) Sync() error {
	if err := retryEINTR(func() error { return syscall.Fsync(f.fd) }); err != nil {
		return &fs.PathError{Op: "sync", Path: f.path, Err: err}
	}
	return nil
}

// Close is not retried on EINTR: on Linux the descriptor is gone either way.
func (f *rawFile) Close() error {
	if err := syscall.Close(f.fd); err != nil {
		return &fs.PathError{Op: "close", Path: f.path, Err: err}
	}
	return nil
}

func retryEINTR(call func() error) error {
	for {
		if err := call(); err != syscall.EINTR {
			return err
		}
	}
}
