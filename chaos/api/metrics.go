package api

import (
	"bufio"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// metrics serves the counters in the Prometheus text exposition format
// (version 0.0.4). It is a handful of counters with labels, so it is
// written here rather than with the Prometheus client library, which
// would be chaos's only dependency beyond the standard library and pflag.
//
//	chaos_connections_total{proxy}             client connections accepted
//	chaos_requests_total{proxy}                HTTP requests read
//	chaos_responses_total{proxy,status}        HTTP statuses sent to clients
//	chaos_faults_total{proxy,toxic,type}       toxics that acted (HTTP: per request; TCP: per connection)
//	chaos_bytes_total{proxy,direction}         bytes relayed upstream and downstream
//	chaos_proxy_enabled{proxy}                 1 when listening
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	type row struct {
		labels string
		v      int64
	}
	families := []struct {
		name, help, typ string
		rows            []row
	}{
		{name: "chaos_connections_total", help: "Client connections accepted.", typ: "counter"},
		{name: "chaos_requests_total", help: "HTTP requests read.", typ: "counter"},
		{name: "chaos_responses_total", help: "HTTP responses sent to clients, injected ones included, by status.", typ: "counter"},
		{name: "chaos_faults_total", help: "Toxics that acted: per request for HTTP toxics, per connection for TCP ones.", typ: "counter"},
		{name: "chaos_bytes_total", help: "Bytes relayed, by direction (upstream: client to backend).", typ: "counter"},
		{name: "chaos_proxy_enabled", help: "1 when the proxy listens.", typ: "gauge"},
	}
	for _, p := range s.Proxies() {
		st := p.Stats()
		pl := `proxy="` + escapeLabel(p.Name()) + `"`
		families[0].rows = append(families[0].rows, row{pl, st.Connections})
		families[1].rows = append(families[1].rows, row{pl, st.Requests})
		for _, code := range slices.Sorted(maps.Keys(st.Statuses)) {
			families[2].rows = append(families[2].rows, row{pl + `,status="` + strconv.Itoa(code) + `"`, st.Statuses[code]})
		}
		for _, name := range slices.Sorted(maps.Keys(st.Faults)) {
			families[3].rows = append(families[3].rows, row{pl + `,toxic="` + escapeLabel(name) + `",type="` + escapeLabel(st.FaultTypes[name]) + `"`, st.Faults[name]})
		}
		families[4].rows = append(families[4].rows, row{pl + `,direction="upstream"`, st.BytesUp}, row{pl + `,direction="downstream"`, st.BytesDown})
		enabled := int64(0)
		if p.Enabled() {
			enabled = 1
		}
		families[5].rows = append(families[5].rows, row{pl, enabled})
	}
	for _, f := range families {
		fmt.Fprintf(bw, "# HELP %s %s\n# TYPE %s %s\n", f.name, f.help, f.name, f.typ)
		for _, r := range f.rows {
			fmt.Fprintf(bw, "%s{%s} %d\n", f.name, r.labels, r.v)
		}
	}
}

// escapeLabel escapes a label value as the text format wants: backslash,
// double quote and line feed.
func escapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}
