//go:build unix

package main

import "syscall"

// flushDirty writes every dirty page of the machine to its disk (sync(2)), so
// that the next timed command starts with nothing left over from the last.
func flushDirty() { syscall.Sync() }
