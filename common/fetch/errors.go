package fetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// HTTPError is an answer whose status is not 200 OK. Use IsNotFound to
// tell a missing flag (404) from a server that failed.
type HTTPError struct {
	URL        string
	StatusCode int    // 418
	Status     string // the status line as sent, like http.Response.Status: "418 I'm a teapot"
}

// Error returns "HTTP error 418 - I'm a teapot", the book's wording.
func (e *HTTPError) Error() string {
	reason := strings.TrimSpace(strings.TrimPrefix(e.Status, strconv.Itoa(e.StatusCode)))
	if reason == "" {
		reason = http.StatusText(e.StatusCode)
	}
	if reason == "" {
		return fmt.Sprintf("HTTP error %d", e.StatusCode)
	}
	return fmt.Sprintf("HTTP error %d - %s", e.StatusCode, reason)
}

// IsNotFound reports whether err is, or wraps, an HTTPError with status 404.
func IsNotFound(err error) bool {
	var he *HTTPError
	return errors.As(err, &he) && he.StatusCode == http.StatusNotFound
}

// ErrTimeout matches every per-request timeout: errors.Is(err, ErrTimeout).
// A request cut short because the caller cancelled its context matches
// context.Canceled instead, never ErrTimeout.
var ErrTimeout = errors.New("timeout")

// TimeoutError is an attempt that ran out of its per-request time
// (Config.Timeout), counted from when it passed the gate.
type TimeoutError struct {
	URL   string
	After time.Duration // the limit that ran out
}

// Error returns "timeout after 10s".
func (e *TimeoutError) Error() string { return "timeout after " + e.After.String() }

// Is makes errors.Is(err, ErrTimeout) and errors.Is(err,
// context.DeadlineExceeded) true, as for any deadline that expired.
func (e *TimeoutError) Is(target error) bool {
	return target == ErrTimeout || target == context.DeadlineExceeded
}

// Timeout reports true, as net.Error does for its timeouts.
func (e *TimeoutError) Timeout() bool { return true }

// TruncatedError is a body that ended before its Content-Length: the server
// or something between closed the connection part way.
type TruncatedError struct {
	URL       string
	Got, Want int64 // bytes received, bytes announced
}

// Error returns "body truncated: 100 of 2000 bytes".
func (e *TruncatedError) Error() string {
	return fmt.Sprintf("body truncated: %d of %d bytes", e.Got, e.Want)
}

// TooLargeError is a body longer than the client's limit on one body
// (Config.MaxBodySize), or, with Shared, a body that found the memory
// budget of all the bodies being read at once (Config.MemoryBudget) spent.
// Get stops reading rather than let bad answers take the memory of the run.
type TooLargeError struct {
	URL    string
	Limit  int64
	Shared bool // the limit is the budget shared by the bodies in flight
}

// Error returns "body too large: over 1 MiB", or, for the shared budget,
// "body too large: bodies in flight over 16 MiB".
func (e *TooLargeError) Error() string {
	size := fmt.Sprintf("%d bytes", e.Limit)
	if e.Limit%(1<<20) == 0 {
		size = fmt.Sprintf("%d MiB", e.Limit>>20)
	}
	if e.Shared {
		return "body too large: bodies in flight over " + size
	}
	return "body too large: over " + size
}

// IsUnreachable reports whether err says that nothing answers at the
// server's address: a refused connection or a host name that does not
// exist. A timeout is not one: something may be there, only slow.
func IsUnreachable(err error) bool {
	var dns *net.DNSError
	return errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &dns) && dns.IsNotFound
}

// Describe says in a few plain words what went wrong, for one-line reports:
// "HTTP error 418 - I'm a teapot", "connection refused", "connection reset",
// "timeout after 10s", "body truncated: 100 of 2000 bytes", "cancelled".
// Errors it does not recognise are described by their own message, without
// the request's URL; nil is described as "".
func Describe(err error) string {
	if err == nil {
		return ""
	}
	var (
		he  *HTTPError
		te  *TimeoutError
		tre *TruncatedError
		tle *TooLargeError
		dns *net.DNSError
		ue  *url.Error
		ne  net.Error
		cve *tls.CertificateVerificationError
		uae x509.UnknownAuthorityError
		hne x509.HostnameError
		cie x509.CertificateInvalidError
	)
	switch {
	case errors.As(err, &he):
		return he.Error()
	case errors.As(err, &te):
		return te.Error()
	case errors.As(err, &tre):
		return tre.Error()
	case errors.As(err, &tle):
		return tle.Error()
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline exceeded"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, syscall.EPIPE):
		return "connection closed while sending"
	case errors.Is(err, syscall.EHOSTUNREACH):
		return "host unreachable"
	case errors.Is(err, syscall.ENETUNREACH):
		return "network unreachable"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "connection closed by server"
	case errors.As(err, &dns):
		if dns.IsNotFound {
			return "no such host: " + dns.Name
		}
		return "DNS lookup failed: " + dns.Name
	case errors.As(err, &cve), errors.As(err, &uae), errors.As(err, &hne), errors.As(err, &cie):
		return "TLS certificate not valid"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.As(err, &ue):
		if ue.Op == "parse" {
			return "bad URL: " + ue.Err.Error()
		}
		return ue.Err.Error()
	}
	return err.Error()
}
