// Package servers names the flag servers a client can talk to: the labels
// LOCAL, DELAY, ERROR and REMOTE of the book, or any http(s) base URL.
package servers

import (
	"fmt"
	"net/url"
	"strings"
)

// Server is where a client downloads from.
type Server struct {
	Label   string // "LOCAL", "DELAY", "ERROR", "REMOTE", or "URL" for a user-given base URL
	BaseURL string // without a trailing slash: "http://localhost:8000/flags"
}

// The book's servers. LOCAL, DELAY and ERROR are served by this suite's
// testserver (and, when nothing listens there, by the client itself).
var (
	Local  = Server{"LOCAL", "http://localhost:8000/flags"}
	Delay  = Server{"DELAY", "http://localhost:8001/flags"}
	Error  = Server{"ERROR", "http://localhost:8002/flags"}
	Remote = Server{"REMOTE", "https://www.fluentpython.com/data/flags"}
)

// Labels lists the known labels in the order the usage text shows them.
var Labels = []string{"LOCAL", "DELAY", "ERROR", "REMOTE"}

// Default is the server used when -s is not given.
var Default = Local

// Embeddable lists the servers the suite can start in-process.
var Embeddable = []Server{Local, Delay, Error}

// Lookup resolves a case-insensitive label or an http:// or https:// base URL.
func Lookup(s string) (Server, error) {
	switch strings.ToUpper(s) {
	case "LOCAL":
		return Local, nil
	case "DELAY":
		return Delay, nil
	case "ERROR":
		return Error, nil
	case "REMOTE":
		return Remote, nil
	}
	lower := strings.ToLower(s)
	if !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") {
		return Server{}, fmt.Errorf("unknown server %q: use %s or an http(s):// base URL",
			s, strings.Join(Labels, ", "))
	}
	u, err := url.Parse(s)
	if err != nil {
		return Server{}, fmt.Errorf("bad server URL %q: %w", s, err)
	}
	if u.Host == "" || u.Hostname() == "" {
		return Server{}, fmt.Errorf("bad server URL %q: no host", s)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return Server{}, fmt.Errorf("bad server URL %q: a base URL takes no query or fragment", s)
	}
	base := strings.TrimRight(s, "/")
	for _, known := range []Server{Local, Delay, Error, Remote} {
		if base == known.BaseURL {
			return known, nil
		}
	}
	return Server{Label: "URL", BaseURL: base}, nil
}

// Port returns the port of an embeddable server's default URL ("8000").
func (s Server) Port() string {
	u, err := url.Parse(s.BaseURL)
	if err != nil {
		return ""
	}
	return u.Port()
}
