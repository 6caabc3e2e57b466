package proxy

import (
	"errors"
	"syscall"
)

// isTemporaryAccept reports accept errors that pass with time: too many
// open files, or a connection aborted before it was accepted.
func isTemporaryAccept(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.ENOBUFS) || errors.Is(err, syscall.ENOMEM)
}
