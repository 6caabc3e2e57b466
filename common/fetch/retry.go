package fetch

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// retryable reports whether a later attempt may succeed where this one
// failed with err. The caller has already ruled out a cancelled context.
func retryable(err error) bool {
	var (
		he  *HTTPError
		dns *net.DNSError
		ne  net.Error
		rhe tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &he):
		return retryableStatus(he.StatusCode)
	case errors.Is(err, ErrTimeout):
		return true
	case errors.As(err, new(*TruncatedError)):
		return true
	case errors.As(err, new(*TooLargeError)):
		return false // the same resource will be as large next time
	case errors.Is(err, context.Canceled):
		return false
	case errors.As(err, &dns):
		return dns.IsTemporary || dns.IsTimeout // a name that does not exist stays so
	case errors.As(err, &rhe):
		return false // talking TLS to a plain HTTP server, or the reverse
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return true
	case errors.As(err, &ne) && ne.Timeout():
		return true
	}
	// The server closed the connection without an answer, in net/http's
	// words; it does not wrap io.EOF for every such case.
	return strings.Contains(err.Error(), "server closed")
}

// retryableStatus lists the answers that say "not now" rather than "no":
// 408 Request Timeout, 429 Too Many Requests, 418 (what the book's ERROR
// server injects) and every 5xx. Never 404.
func retryableStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusTeapot:
		return true
	}
	return code >= 500 && code <= 599
}

// backoff is the wait before retry n (from 0): "full jitter", a uniform
// draw in [0, min(cap, base·2ⁿ)], which spreads a burst of failed requests
// out instead of sending them back together.
func (c *Client) backoff(n int) time.Duration {
	ceiling := c.cap
	if n < 62 && c.base <= c.cap>>n {
		ceiling = c.base << n
	}
	if ceiling <= 0 {
		return 0
	}
	if c.rand == nil {
		return time.Duration(rand.Int64N(int64(ceiling) + 1))
	}
	c.randMu.Lock()
	defer c.randMu.Unlock()
	return time.Duration(c.rand.Int64N(int64(ceiling) + 1))
}

// parseRetryAfter reads a Retry-After header, in seconds or as an HTTP date
// measured from now. It returns 0 when the header is absent, malformed or in
// the past.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		return time.Duration(secs) * time.Second
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	return max(t.Sub(now), 0)
}
