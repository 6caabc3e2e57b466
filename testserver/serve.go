package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"flagsuite/testserver/site"
)

// shutdownGrace bounds how long a stop waits for answers being written.
// Waits in progress do not count: stopping cuts them short.
const shutdownGrace = 5 * time.Second

// server is one of LOCAL, DELAY and ERROR, listening.
type server struct {
	label string
	site  *site.Site
	srv   *site.Server
	ln    net.Listener
}

// url is the base URL a client uses, with the port really listened on.
func (s *server) url() string { return "http://" + s.ln.Addr().String() + "/flags" }

// listen opens a listener for each server cfg asks for. If one cannot
// listen, it closes the others and says which failed.
func listen(cfg config, data fs.FS, logger *slog.Logger, stderr io.Writer) ([]*server, error) {
	var servers []*server
	for _, label := range cfg.only {
		ln, err := net.Listen("tcp", net.JoinHostPort(cfg.bind, strconv.Itoa(cfg.ports[label])))
		if err != nil {
			for _, s := range servers {
				s.ln.Close()
			}
			return nil, fmt.Errorf("%s: %w", label, err)
		}
		sc := siteConfig(cfg, label)
		sc.Data = data
		if logger != nil {
			sc.Logger = logger.With("server", label)
		}
		s := &server{label: label, site: site.New(sc), ln: ln}
		s.srv = site.NewServer(s.site)
		s.srv.ErrorLog = log.New(stderr, "testserver: "+label+": ", 0)
		servers = append(servers, s)
	}
	return servers, nil
}

// siteConfig turns the command line into a site's configuration.
func siteConfig(cfg config, label string) site.Config {
	sc := site.Config{Seed: cfg.seed, Seeded: cfg.seeded, SeedByPath: cfg.byPath}
	switch label {
	case "DELAY":
		sc.Mode, sc.MinDelay, sc.MaxDelay = site.Delay, none(cfg.minDelay), none(cfg.maxDelay)
	case "ERROR":
		sc.Mode, sc.ErrorRate, sc.ErrorDelay, sc.ErrorStatus = site.Error, none(cfg.errorRate), none(cfg.errorDelay), cfg.errorStatus
	}
	return sc
}

// none turns the command line's 0, which means none, into site.Config's
// negative none: there zero means the book's default.
func none[T time.Duration | float64](v T) T {
	if v == 0 {
		return -1
	}
	return v
}

// serve prints each server's ready line, serves until ctx is done or a
// server fails, then stops them all. Stopping ends a DELAY wait in
// progress at once with a 503 rather than waiting for it; answers being
// written get shutdownGrace to finish.
func serve(ctx context.Context, servers []*server, stdout io.Writer) error {
	failed := make(chan error, len(servers))
	for _, s := range servers {
		go func() { failed <- fmt.Errorf("%s: %w", s.label, s.srv.Serve(s.ln)) }()
		fmt.Fprintln(stdout, s.label, s.url())
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-failed: // Serve returns early only when its listener fails
	}
	stop, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	var wg sync.WaitGroup
	for _, s := range servers {
		wg.Go(func() { s.srv.Shutdown(stop) }) // closes what is left after the grace
	}
	wg.Wait()
	return err
}
