//go:build unix && !linux

package store

import "syscall"

// syncfs falls back to sync(2) where there is no syncfs: it flushes every
// file system, which is more than needed but still one call per run.
func syncfs(int) error {
	syscall.Sync()
	return nil
}
