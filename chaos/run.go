package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
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
	srv := api.New(api.Options{Logger: logger, DialTimeout: o.dialTimeout, IdleTimeout: o.idleTimeout, AllowRemote: o.apiPublic})
	defer srv.Close()

	for _, spec := range o.specs {
		p, err := srv.Start(spec)
		if err != nil {
			fmt.Fprintf(stderr, "chaos: proxy %s on %s: %v\n", spec.Name, spec.Listen, err)
			return command.ExitFatal
		}
		fmt.Fprintf(stdout, "chaos %s -> %s\n", readyURL(p, spec.Listen), spec.Backend)
	}

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
