// Package autoserve gives the clients zero set-up: when a command names
// LOCAL, DELAY or ERROR at its default URL and nothing listens on that port,
// it serves the matching test server from the embedded data set inside the
// client's own process.
package autoserve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"syscall"
	"time"

	"flagsuite/common/servers"
	"flagsuite/testserver/dataset"
	"flagsuite/testserver/site"
)

// Start serves srv in-process when it is one of the embeddable servers at
// its default URL and the port is free; it prints one line about it to
// notice. It returns a function that stops the server (a no-op when nothing
// was started). When something already listens, or srv is another URL,
// nothing happens.
func Start(ctx context.Context, srv servers.Server, notice io.Writer, name string) (stop func(), err error) {
	if !slices.Contains(servers.Embeddable, srv) {
		return func() {}, nil
	}
	cfg, _ := site.ForLabel(srv.Label) // every embeddable label has one
	return serve(ctx, srv, cfg, srv.Port(), notice, name)
}

// serve is Start for a given site configuration and port.
func serve(ctx context.Context, srv servers.Server, cfg site.Config, port string, notice io.Writer, name string) (stop func(), err error) {
	noop := func() {}
	if listening(ctx, port) {
		return noop, nil
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) { // someone started between our check and now
			return noop, nil
		}
		return noop, fmt.Errorf("serving %s in-process: %w", srv.Label, err)
	}
	lns := []net.Listener{ln}
	// localhost may resolve to ::1 first; answering there too spares every
	// new connection a refused attempt.
	if ln6, err := net.Listen("tcp", net.JoinHostPort("::1", port)); err == nil {
		lns = append(lns, ln6)
	}
	dataset.Embedded() // generate the flags now, not while the first requests wait
	hs := site.NewServer(site.New(cfg))
	for _, l := range lns {
		go hs.Serve(l)
	}
	// One line that fits 80 columns.
	fmt.Fprintf(notice, "%s: serving %s in-process on port %s (--no-embed turns this off)\n", name, srv.Label, port)
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if hs.Shutdown(ctx) != nil {
			hs.Close()
		}
	}, nil
}

// listening reports whether something accepts connections on port of
// localhost, over IPv4 or IPv6.
func listening(ctx context.Context, port string) bool {
	d := net.Dialer{Timeout: 500 * time.Millisecond}
	for _, host := range []string{"127.0.0.1", "::1"} {
		c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, port))
		if err == nil {
			c.Close()
			return true
		}
	}
	return false
}
