package bench

import (
	"context"
	"fmt"
	"net"
	"time"

	"flagsuite/testserver/dataset"
	"flagsuite/testserver/site"
)

// server is one of LOCAL, DELAY, ERROR, served in this process on a free
// loopback port. Each run swaps in a fresh site, so the stats a run reads
// are its own (peak in-flight included) and ERROR's seeded fates start
// over: every run of a code set meets the same number of failures.
type server struct {
	label string
	cfg   site.Config
	base  string       // "http://127.0.0.1:PORT/flags"
	hs    *site.Server // serves the site of the current run
}

// fresh puts a new site behind the server and returns it.
func (s *server) fresh() *site.Site {
	st := site.New(s.cfg)
	s.hs.SetSite(st)
	return st
}

// siteConfig is the site of a label as the bench configures it: DELAY waits
// exactly cfg.Delay, ERROR fails a seeded share of GETs after cfg.ErrorDelay.
func siteConfig(cfg Config, label string) site.Config {
	switch label {
	case "DELAY":
		return site.Config{Mode: site.Delay, MinDelay: cfg.Delay, MaxDelay: cfg.Delay}
	case "ERROR":
		wait := cfg.ErrorDelay
		if wait == 0 {
			wait = -1 // site.Config: negative is none, zero the book's 0.5 s
		}
		return site.Config{Mode: site.Error, ErrorDelay: wait, ErrorRate: cfg.ErrorRate, Seed: cfg.Seed, Seeded: true}
	}
	return site.Config{Mode: site.Local}
}

// startServers serves each label on its own port of 127.0.0.1 and returns
// them by label, with a function that stops them all.
func startServers(cfg Config, labels []string) (map[string]*server, func(), error) {
	dataset.Embedded() // generate the flags now, not while the first run waits
	servers := map[string]*server{}
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		for _, s := range servers {
			if s.hs.Shutdown(ctx) != nil {
				s.hs.Close()
			}
		}
	}
	for _, label := range labels {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			stop()
			return nil, nil, fmt.Errorf("serving %s: %w", label, err)
		}
		s := &server{label: label, cfg: siteConfig(cfg, label), base: "http://" + ln.Addr().String() + "/flags"}
		s.hs = site.NewServer(site.New(s.cfg))
		servers[label] = s
		go s.hs.Serve(ln)
	}
	return servers, stop, nil
}
