package fetch_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"
	"time"

	"flagsuite/common/fetch"
)

func TestDescribe(t *testing.T) {
	const u = "http://localhost:8002/flags/ao/ao.gif"
	urlErr := func(err error) error { return &url.Error{Op: "Get", URL: u, Err: err} }
	dial := func(errno syscall.Errno) error {
		return urlErr(&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", errno)})
	}
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{&fetch.HTTPError{URL: u, StatusCode: 418, Status: "418 I'm a teapot"}, "HTTP error 418 - I'm a teapot"},
		{&fetch.HTTPError{URL: u, StatusCode: 503, Status: "503 Slow Down"}, "HTTP error 503 - Slow Down"},
		{&fetch.HTTPError{URL: u, StatusCode: 404}, "HTTP error 404 - Not Found"},
		{&fetch.HTTPError{URL: u, StatusCode: 599}, "HTTP error 599"},
		{fmt.Errorf("saving: %w", &fetch.HTTPError{URL: u, StatusCode: 500, Status: "500 Internal Server Error"}), "HTTP error 500 - Internal Server Error"},
		{&fetch.TimeoutError{URL: u, After: 10 * time.Second}, "timeout after 10s"},
		{&fetch.TimeoutError{URL: u, After: 1500 * time.Millisecond}, "timeout after 1.5s"},
		{&fetch.TruncatedError{URL: u, Got: 100, Want: 2000}, "body truncated: 100 of 2000 bytes"},
		{&fetch.TooLargeError{URL: u, Limit: 16 << 20}, "body too large: over 16 MiB"},
		{&fetch.TooLargeError{URL: u, Limit: 1000}, "body too large: over 1000 bytes"},
		{&fetch.TooLargeError{URL: u, Limit: 16 << 20, Shared: true}, "body too large: bodies in flight over 16 MiB"},
		{dial(syscall.ECONNREFUSED), "connection refused"},
		{urlErr(&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}), "connection reset"},
		{dial(syscall.EHOSTUNREACH), "host unreachable"},
		{dial(syscall.ENETUNREACH), "network unreachable"},
		{urlErr(io.EOF), "connection closed by server"},
		{urlErr(&net.DNSError{Err: "no such host", Name: "flags.invalid", IsNotFound: true}), "no such host: flags.invalid"},
		{urlErr(&net.DNSError{Err: "server misbehaving", Name: "flags.test", IsTemporary: true}), "DNS lookup failed: flags.test"},
		{urlErr(context.Canceled), "cancelled"},
		{fmt.Errorf("get %s: %w", u, context.Canceled), "cancelled"},
		{urlErr(errors.New(`unsupported protocol scheme "ftp"`)), `unsupported protocol scheme "ftp"`},
		{&url.Error{Op: "parse", URL: "http://[::1", Err: errors.New("missing ']' in host")}, "bad URL: missing ']' in host"},
		{errors.New("not a GIF image (5 bytes of text/plain)"), "not a GIF image (5 bytes of text/plain)"},
	}
	for _, tt := range tests {
		if got := fetch.Describe(tt.err); got != tt.want {
			t.Errorf("Describe(%v) = %q; want %q", tt.err, got, tt.want)
		}
	}
}

func TestIsNotFound(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{&fetch.HTTPError{StatusCode: 404}, true},
		{fmt.Errorf("flag BR: %w", &fetch.HTTPError{StatusCode: 404}), true},
		{&fetch.HTTPError{StatusCode: 410}, false},
		{&fetch.HTTPError{StatusCode: 500}, false},
		{errors.New("HTTP error 404 - Not Found"), false}, // only the type counts
	}
	for _, tt := range tests {
		if got := fetch.IsNotFound(tt.err); got != tt.want {
			t.Errorf("IsNotFound(%v) = %v; want %v", tt.err, got, tt.want)
		}
	}
}
