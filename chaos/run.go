package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"flagsuite/chaos/api"
	"flagsuite/chaos/proxy"
	"flagsuite/common/command"
)

// run is the whole command: parse, start the proxies and the API, print the
// ready lines, serve until ctx ends, stop cleanly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parse(args, stdout)
	if err != nil {
		return command.ReportError(err, "chaos", usageLine, stderr)
	}

	var logger *slog.Logger
	if !o.quiet {
		logger = slog.New(slog.NewJSONHandler(stderr, nil))
	}
	apiHost, _, _ := net.SplitHostPort(o.apiAddr)
	srv := api.New(api.Options{Logger: logger, DialTimeout: o.dialTimeout, IdleTimeout: o.idleTimeout,
		HeaderTimeout: o.headerTimeout, AllowRemote: o.apiPublic, Host: apiHost})
	defer srv.Close()

	for _, spec := range o.specs {
		p, err := srv.Start(spec)
		if err != nil {
			fmt.Fprintf(stderr, "chaos: proxy %s on %s: %v\n", spec.Name, spec.Listen, err)
			return command.ExitFatal
		}
		if !p.Enabled() {
			fmt.Fprintf(stdout, "chaos %s -> %s (disabled)\n", spec.Name, p.Backend())
			continue
		}
		fmt.Fprintf(stdout, "chaos %s -> %s\n", readyURL(p, spec.Listen), p.Backend())
	}
	warnDownBackends(ctx, o.specs, min(o.dialTimeout, 2*time.Second), stderr)

	var apiSrv *http.Server
	if o.apiAddr != "" {
		ln, err := net.Listen("tcp", o.apiAddr)
		if err != nil {
			fmt.Fprintf(stderr, "chaos: api on %s: %v\n", o.apiAddr, err)
			return command.ExitFatal
		}
		apiSrv = &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
		go apiSrv.Serve(ln)
		fmt.Fprintf(stdout, "api http://%s\n", hostPort(o.apiAddr, ln.Addr()))
	}

	<-ctx.Done()
	if apiSrv != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		apiSrv.Shutdown(sctx)
		cancel()
	}
	srv.Close()
	return command.ExitOK
}

// warnDownBackends tries each backend once, all at once, and says on
// stderr which cannot be reached: the proxy still runs (the backend may
// come up later), but a user who mistyped a port learns it now rather than
// from the first 502.
func warnDownBackends(ctx context.Context, specs []api.Spec, timeout time.Duration, stderr io.Writer) {
	errs := make([]error, len(specs))
	var wg sync.WaitGroup
	for i, spec := range specs {
		wg.Go(func() {
			d := net.Dialer{Timeout: timeout}
			c, err := d.DialContext(ctx, "tcp", cmp.Or(spec.Upstream, spec.Backend))
			if err == nil {
				c.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil && ctx.Err() == nil {
			fmt.Fprintf(stderr, "chaos: warning: backend %s of proxy %s is not reachable (%v); its clients get 502 until it is up\n",
				cmp.Or(specs[i].Upstream, specs[i].Backend), specs[i].Name, err)
		}
	}
}

// readyURL shows a proxy's address with the host as the user wrote it and
// the port it really got: "localhost:0" prints as "localhost:43117".
func readyURL(p *proxy.Proxy, listen string) string {
	return string(p.Protocol()) + "://" + hostPort(listen, p.Addr())
}

func hostPort(asked string, got net.Addr) string {
	host, _, err := net.SplitHostPort(asked)
	_, port, err2 := net.SplitHostPort(got.String())
	if err != nil || err2 != nil || host == "" {
		return got.String()
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return host + ":" + port
}
