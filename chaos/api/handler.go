package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"flagsuite/chaos/fault"
	"flagsuite/chaos/proxy"
)

// maxBody bounds a request body to the API.
const maxBody = 1 << 20

// Version is what GET /version answers: the Toxiproxy API version chaos
// speaks, marked as chaos's.
const Version = "2.12.0-chaos"

// Handler returns the API's http.Handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	// Toxiproxy's routes.
	mux.HandleFunc("GET /proxies", s.listProxies)
	mux.HandleFunc("POST /proxies", s.createProxy)
	mux.HandleFunc("POST /populate", s.populate)
	mux.HandleFunc("GET /proxies/{proxy}", s.withProxy(func(w http.ResponseWriter, r *http.Request, p *proxy.Proxy) {
		writeJSON(w, http.StatusOK, InfoOf(p))
	}))
	mux.HandleFunc("POST /proxies/{proxy}", s.withProxy(s.updateProxy))
	mux.HandleFunc("PATCH /proxies/{proxy}", s.withProxy(s.updateProxy))
	mux.HandleFunc("DELETE /proxies/{proxy}", func(w http.ResponseWriter, r *http.Request) {
		if err := s.Remove(r.PathValue("proxy")); err != nil {
			writeError(w, http.StatusNotFound, ErrNoProxy)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /proxies/{proxy}/toxics", s.withProxy(func(w http.ResponseWriter, r *http.Request, p *proxy.Proxy) {
		writeJSON(w, http.StatusOK, listed(p.Toxics()))
	}))
	mux.HandleFunc("POST /proxies/{proxy}/toxics", s.withProxy(s.addToxic))
	mux.HandleFunc("GET /proxies/{proxy}/toxics/{toxic}", s.withProxy(func(w http.ResponseWriter, r *http.Request, p *proxy.Proxy) {
		t, ok := p.Toxic(r.PathValue("toxic"))
		if !ok {
			writeError(w, http.StatusNotFound, fault.ErrNotFound)
			return
		}
		writeJSON(w, http.StatusOK, t)
	}))
	mux.HandleFunc("POST /proxies/{proxy}/toxics/{toxic}", s.withProxy(s.updateToxic))
	mux.HandleFunc("PATCH /proxies/{proxy}/toxics/{toxic}", s.withProxy(s.updateToxic))
	mux.HandleFunc("DELETE /proxies/{proxy}/toxics/{toxic}", s.withProxy(func(w http.ResponseWriter, r *http.Request, p *proxy.Proxy) {
		if err := p.RemoveToxic(r.PathValue("toxic")); err != nil {
			writeError(w, http.StatusNotFound, fault.ErrNotFound)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	mux.HandleFunc("POST /reset", func(w http.ResponseWriter, r *http.Request) {
		if err := s.Reset(); err != nil {
			writeError(w, http.StatusConflict, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /version", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"version": Version})
	})
	mux.HandleFunc("GET /metrics", s.metrics)

	// chaos's own: what Toxiproxy has no route for.
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
	mux.HandleFunc("GET /proxies/{proxy}/stats", s.withProxy(func(w http.ResponseWriter, r *http.Request, p *proxy.Proxy) {
		writeJSON(w, http.StatusOK, p.Stats())
	}))
	mux.HandleFunc("GET /toxics", s.listKinds)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Errorf("no route %s %s", r.Method, r.URL.Path))
	})
	return &guard{next: mux, allowRemote: s.opts.AllowRemote, ownHost: strings.ToLower(s.opts.Host)}
}

// listed orders toxics as Toxiproxy lists them: upstream ones, then
// downstream ones (then chaos's "both"), each in the order they were added,
// which is also the order they act in on their stream.
func listed(ts []fault.Toxic) []fault.Toxic {
	rank := map[string]int{"upstream": 0, "downstream": 1}
	slices.SortStableFunc(ts, func(a, b fault.Toxic) int {
		ra, ok := rank[a.Stream]
		if !ok {
			ra = 2
		}
		rb, ok := rank[b.Stream]
		if !ok {
			rb = 2
		}
		return ra - rb
	})
	return ts
}

func (s *Server) withProxy(h func(http.ResponseWriter, *http.Request, *proxy.Proxy)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok := s.Get(r.PathValue("proxy"))
		if !ok {
			writeError(w, http.StatusNotFound, ErrNoProxy)
			return
		}
		h(w, r, p)
	}
}

func (s *Server) listProxies(w http.ResponseWriter, r *http.Request) {
	out := map[string]Info{}
	for _, p := range s.Proxies() {
		out[p.Name()] = InfoOf(p)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) createProxy(w http.ResponseWriter, r *http.Request) {
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
	if errors.Is(err, ErrExists) {
		err = ErrExists // Toxiproxy's exact message
	}
	if err != nil {
		writeError(w, startStatus(err), err)
		return
	}
	writeJSON(w, http.StatusCreated, InfoOf(p))
}

// startStatus is the status for a proxy that could not be made or started.
func startStatus(err error) int {
	if errors.Is(err, ErrExists) || errors.Is(err, ErrListen) {
		return http.StatusConflict
	}
	return http.StatusBadRequest
}

func (s *Server) populate(w http.ResponseWriter, r *http.Request) {
	var specs []Spec
	if err := decode(r, &specs); err != nil {
		writeError(w, bodyStatus(err), err)
		return
	}
	for _, sp := range specs {
		if err := s.checkListen(sp.Listen); err != nil {
			writeError(w, http.StatusForbidden, err)
			return
		}
	}
	done, err := s.Populate(specs)
	out := struct {
		*apiError
		Proxies []Info `json:"proxies"`
	}{Proxies: []Info{}}
	for _, p := range done {
		out.Proxies = append(out.Proxies, InfoOf(p))
	}
	status := http.StatusCreated
	if err != nil {
		status = startStatus(err)
		out.apiError = &apiError{Message: err.Error(), Status: status}
	}
	writeJSON(w, status, out)
}

func (s *Server) updateProxy(w http.ResponseWriter, r *http.Request, p *proxy.Proxy) {
	enabled := p.Enabled()
	in := Spec{Listen: p.ListenAddr(), Upstream: p.Backend(), Enabled: &enabled}
	if err := decode(r, &in); err != nil {
		writeError(w, bodyStatus(err), err)
		return
	}
	if in.Listen != p.ListenAddr() {
		if err := s.checkListen(in.Listen); err != nil {
			writeError(w, http.StatusForbidden, err)
			return
		}
	}
	if err := p.Update(in.Listen, in.Upstream); err != nil {
		status := http.StatusConflict // the new port is taken
		if strings.HasPrefix(err.Error(), "upstream") {
			status = http.StatusBadRequest
		}
		writeError(w, status, err)
		return
	}
	switch {
	case in.Enabled == nil || *in.Enabled == p.Enabled():
	case *in.Enabled:
		if err := p.Enable(); err != nil {
			writeError(w, http.StatusConflict, fmt.Errorf("%w: %v", ErrListen, err))
			return
		}
	default:
		p.Disable()
	}
	writeJSON(w, http.StatusOK, InfoOf(p))
}

func (s *Server) addToxic(w http.ResponseWriter, r *http.Request, p *proxy.Proxy) {
	t := fault.Toxic{Stream: "downstream", Toxicity: 1} // Toxiproxy's defaults
	if err := decode(r, &t); err != nil {
		writeError(w, bodyStatus(err), err)
		return
	}
	added, err := p.AddToxic(t)
	if err != nil {
		writeError(w, toxicStatus(err), toxicError(err))
		return
	}
	writeJSON(w, http.StatusOK, added)
}

// toxicError gives a name conflict Toxiproxy's exact message, which its
// clients' tests compare.
func toxicError(err error) error {
	if errors.Is(err, fault.ErrExists) {
		return fault.ErrExists
	}
	return err
}

func toxicStatus(err error) int {
	switch {
	case errors.Is(err, fault.ErrExists):
		return http.StatusConflict
	case errors.Is(err, fault.ErrNotFound):
		return http.StatusNotFound
	}
	return http.StatusBadRequest
}

// toxicUpdate is what an update of a toxic may change, as in Toxiproxy.
type toxicUpdate struct {
	Attributes fault.Attributes `json:"attributes"`
	Toxicity   *float64         `json:"toxicity"`
	// Sent by clients that post the whole toxic back; they cannot change.
	Name   string `json:"name"`
	Type   string `json:"type"`
	Stream string `json:"stream"`
	Group  string `json:"group"`
}

func (s *Server) updateToxic(w http.ResponseWriter, r *http.Request, p *proxy.Proxy) {
	name := r.PathValue("toxic")
	if _, ok := p.Toxic(name); !ok {
		writeError(w, http.StatusNotFound, fault.ErrNotFound)
		return
	}
	var u toxicUpdate
	if err := decode(r, &u); err != nil {
		writeError(w, bodyStatus(err), err)
		return
	}
	t, err := p.UpdateToxic(name, u.Attributes, u.Toxicity)
	if err != nil {
		writeError(w, toxicStatus(err), err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

// kindInfo is a toxic type as GET /toxics lists it.
type kindInfo struct {
	Type       string         `json:"type"`
	Protocol   fault.Protocol `json:"protocol"`
	Usage      string         `json:"usage"`
	Attributes []optionInfo   `json:"attributes"`
}

type optionInfo struct {
	Name    string `json:"name"`
	Default string `json:"default"` // as --behavior-NAME-OPTION takes it
	Unit    string `json:"unit,omitempty"`
	Usage   string `json:"usage"`
}

func (s *Server) listKinds(w http.ResponseWriter, r *http.Request) {
	var out []kindInfo
	for _, k := range fault.Kinds() {
		ki := kindInfo{Type: k.Name, Protocol: k.Protocol, Usage: k.Usage, Attributes: []optionInfo{}}
		for _, o := range k.Options {
			ki.Attributes = append(ki.Attributes, optionInfo{Name: strings.ReplaceAll(o.Name, "-", "_"), Default: o.Default, Unit: o.Unit, Usage: o.Usage})
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
		return fmt.Errorf("bad request body: %w", err)
	}
	if d.More() {
		return errors.New("bad request body: more than one value")
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

func writeError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, apiError{Message: err.Error(), Status: status})
}
