package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"flagsuite/chaos/behavior"
	"flagsuite/chaos/fault"
	"flagsuite/chaos/proxy"
)

// maxBody bounds a request body to the API.
const maxBody = 1 << 20

// Handler returns the API's http.Handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Stats())
	})
	mux.HandleFunc("DELETE /stats", func(w http.ResponseWriter, r *http.Request) {
		for _, p := range s.Proxies() {
			p.ResetStats()
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /reset", func(w http.ResponseWriter, r *http.Request) {
		s.Reset()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /faults", s.listKinds)
	mux.HandleFunc("GET /proxies", func(w http.ResponseWriter, r *http.Request) {
		infos := []Info{}
		for _, p := range s.Proxies() {
			infos = append(infos, InfoOf(p))
		}
		writeJSON(w, http.StatusOK, infos)
	})
	mux.HandleFunc("POST /proxies", s.create)
	mux.HandleFunc("GET /proxies/{name}", s.withProxy(func(w http.ResponseWriter, r *http.Request, p *proxy.Proxy) {
		writeJSON(w, http.StatusOK, InfoOf(p))
	}))
	mux.HandleFunc("DELETE /proxies/{name}", func(w http.ResponseWriter, r *http.Request) {
		if err := s.Remove(r.PathValue("name")); err != nil {
			writeError(w, http.StatusNotFound, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /proxies/{name}/stats", s.withProxy(func(w http.ResponseWriter, r *http.Request, p *proxy.Proxy) {
		writeJSON(w, http.StatusOK, p.Stats())
	}))
	mux.HandleFunc("GET /proxies/{name}/faults", s.withProxy(func(w http.ResponseWriter, r *http.Request, p *proxy.Proxy) {
		writeFaults(w, http.StatusOK, p.Faults())
	}))
	mux.HandleFunc("PUT /proxies/{name}/faults", s.withProxy(s.replaceFaults))
	mux.HandleFunc("POST /proxies/{name}/faults", s.withProxy(s.addFault))
	mux.HandleFunc("DELETE /proxies/{name}/faults", s.withProxy(func(w http.ResponseWriter, r *http.Request, p *proxy.Proxy) {
		p.SetFaults(nil)
		w.WriteHeader(http.StatusNoContent)
	}))
	mux.HandleFunc("DELETE /proxies/{name}/faults/{fault}", s.withProxy(func(w http.ResponseWriter, r *http.Request, p *proxy.Proxy) {
		if err := p.RemoveFault(r.PathValue("fault")); err != nil {
			status := http.StatusBadRequest
			if errors.Is(err, fault.ErrNotFound) {
				status = http.StatusNotFound
			}
			writeError(w, status, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	return &guard{next: mux, allowRemote: s.opts.AllowRemote, ownHost: strings.ToLower(s.opts.Host)}
}

func (s *Server) withProxy(h func(http.ResponseWriter, *http.Request, *proxy.Proxy)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok := s.Get(r.PathValue("name"))
		if !ok {
			writeError(w, http.StatusNotFound, fmt.Errorf("%w: %s", ErrNoProxy, r.PathValue("name")))
			return
		}
		h(w, r, p)
	}
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	var spec Spec
	if err := decode(r, &spec); err != nil {
		writeError(w, bodyStatus(err), err)
		return
	}
	if err := s.checkListen(spec.Listen); err != nil {
		writeError(w, http.StatusForbidden, err)
		return
	}
	p, err := s.Start(spec)
	switch {
	case errors.Is(err, ErrExists):
		writeError(w, http.StatusConflict, err)
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, err)
		return
	}
	writeJSON(w, http.StatusCreated, InfoOf(p))
}

// faultsBody is what PUT …/faults accepts besides a plain list: the
// command line's syntax, for people typing curl commands.
type faultsBody struct {
	Faults   []fault.Config    `json:"faults"`
	Behavior *string           `json:"behavior"` // "25:error,50:delay"
	Options  map[string]string `json:"options"`  // "delay-sleep": "0.5", as --behavior-delay-sleep
}

func (s *Server) replaceFaults(w http.ResponseWriter, r *http.Request, p *proxy.Proxy) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, bodyStatus(err), err)
		return
	}
	var cfgs []fault.Config
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '[' {
		err = strictUnmarshal(t, &cfgs)
	} else {
		var fb faultsBody
		if err = strictUnmarshal(b, &fb); err == nil {
			cfgs, err = fb.configs()
		}
	}
	if err == nil {
		err = p.SetFaults(cfgs)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	writeFaults(w, http.StatusOK, p.Faults())
}

func (fb faultsBody) configs() ([]fault.Config, error) {
	if fb.Behavior == nil {
		if len(fb.Options) > 0 {
			return nil, errors.New("options go with behavior")
		}
		return fb.Faults, nil
	}
	if fb.Faults != nil {
		return nil, errors.New("give faults or behavior, not both")
	}
	items, err := behavior.Parse(*fb.Behavior)
	if err != nil {
		return nil, err
	}
	opts := map[string]map[string]string{}
	for key, v := range fb.Options {
		name, opt, ok := splitOptionKey(key)
		if !ok {
			return nil, fmt.Errorf("option %q is not NAME-OPTION (delay-sleep)", key)
		}
		if opts[name] == nil {
			opts[name] = map[string]string{}
		}
		opts[name][opt] = v
	}
	return behavior.Configs(items, opts), nil
}

// splitOptionKey reads "delay-sleep" or "limit-data-bytes" against the
// known kinds and their options.
func splitOptionKey(key string) (kind, option string, ok bool) {
	for _, k := range fault.Kinds() {
		for _, o := range k.Options {
			if behavior.FlagName(k.Name, o.Name) == "behavior-"+key {
				return k.Name, o.Name, true
			}
		}
	}
	return "", "", false
}

func (s *Server) addFault(w http.ResponseWriter, r *http.Request, p *proxy.Proxy) {
	var c fault.Config
	if err := decode(r, &c); err != nil {
		writeError(w, bodyStatus(err), err)
		return
	}
	if err := p.AddFault(c); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	writeFaults(w, http.StatusCreated, p.Faults())
}

// kindInfo is a fault kind as GET /faults lists it.
type kindInfo struct {
	Name     string         `json:"name"`
	Protocol fault.Protocol `json:"protocol"`
	Usage    string         `json:"usage"`
	Options  []optionInfo   `json:"options"`
}

type optionInfo struct {
	Name    string `json:"name"`
	Default string `json:"default"`
	Usage   string `json:"usage"`
}

func (s *Server) listKinds(w http.ResponseWriter, r *http.Request) {
	var out []kindInfo
	for _, k := range fault.Kinds() {
		ki := kindInfo{Name: k.Name, Protocol: k.Protocol, Usage: k.Usage, Options: []optionInfo{}}
		for _, o := range k.Options {
			ki.Options = append(ki.Options, optionInfo(o))
		}
		out = append(out, ki)
	}
	writeJSON(w, http.StatusOK, out)
}

func decode(r *http.Request, v any) error {
	b, err := io.ReadAll(r.Body) // bounded by the guard's MaxBytesReader
	if err != nil {
		return err
	}
	return strictUnmarshal(b, v)
}

// bodyStatus is the status for a body that could not be read or decoded.
func bodyStatus(err error) int {
	if errTooLarge(err) {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest
}

// strictUnmarshal refuses unknown fields, so a typo in a spec is an error
// rather than a silently ignored setting.
func strictUnmarshal(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("bad JSON: %w", err)
	}
	if d.More() {
		return errors.New("bad JSON: more than one value")
	}
	return nil
}

func marshalJSON(v any) ([]byte, error) { return json.Marshal(v) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

func writeFaults(w http.ResponseWriter, status int, cfgs []fault.Config) {
	if cfgs == nil {
		cfgs = []fault.Config{}
	}
	writeJSON(w, status, cfgs)
}

func writeError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, apiError{Message: err.Error(), Status: status})
}
