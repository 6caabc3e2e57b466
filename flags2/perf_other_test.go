//go:build !unix

package main

// flushDirty has nothing to do where there is no sync(2) to call.
func flushDirty() {}
