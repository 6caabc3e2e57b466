package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"flagsuite/chaos/api"
)

// configFile is what --config reads: Toxiproxy's config file, a JSON list
// of proxies (the /populate shape, toxics included), or an object with that
// list as "proxies" and, optionally, where the control API listens.
type configFile struct {
	API     string     `json:"api,omitempty"`
	Proxies []api.Spec `json:"proxies"`
}

func readConfig(path string) (*configFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields() // a misspelt key must not be silently ignored
	var cf configFile
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '[' {
		err = d.Decode(&cf.Proxies)
	} else {
		err = d.Decode(&cf)
	}
	if err != nil {
		return nil, fmt.Errorf("bad JSON: %w", err)
	}
	if len(cf.Proxies) == 0 {
		return nil, errors.New("no proxies")
	}
	for i, p := range cf.Proxies {
		if p.Name == "" {
			return nil, fmt.Errorf("proxy %d has no name", i+1)
		}
		if p.Upstream == "" && p.Backend == "" {
			return nil, fmt.Errorf("proxy %s has no upstream", p.Name)
		}
		if err := checkSpec(p, "proxy "+p.Name); err != nil {
			return nil, err
		}
	}
	return &cf, nil
}
