package site

import (
	"net/http"
	"time"
)

// Limits of a server from NewServer, and of each answer from a Site.
const (
	ReadHeaderTimeout = 10 * time.Second // a client that sends no request is dropped
	IdleTimeout       = 60 * time.Second // keep-alive connections do not pile up
	MaxHeaderBytes    = 16 << 10         // real clients send well under 1 KiB
	WriteTimeout      = 30 * time.Second // a client that will not read cannot hold an answer
)

// NewServer returns an http.Server for h with the limits above, so that a
// silent, slow or hostile client cannot hold it.
//
// There is no ReadTimeout or WriteTimeout: either would also bound a DELAY
// answer's wait, which the site's configuration decides. Instead the wait
// ends when the client leaves, and a Site sets a write deadline of
// WriteTimeout once it starts to answer.
func NewServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
	}
}
