package report

import (
	"encoding/json"
	"io"
	"math"
	"time"
)

// JSON is the machine-readable report (flags2 --json).
type JSON struct {
	Strategy     string       `json:"strategy"`
	Server       string       `json:"server"`
	BaseURL      string       `json:"base_url"`
	Concurrency  int          `json:"concurrency"`
	Requested    int          `json:"requested"`
	OK           int          `json:"ok"`
	NotFound     int          `json:"not_found"`
	Errors       int          `json:"errors"`
	NotAttempted int          `json:"not_attempted"` // never started: the run was interrupted first
	Cancelled    int          `json:"cancelled"`     // cut short in flight by the interrupt
	Interrupted  bool         `json:"interrupted"`
	ElapsedS     float64      `json:"elapsed_s"`
	Bytes        int64        `json:"bytes"`
	Retries      int          `json:"retries"`
	Connections  Connections  `json:"connections"`
	LatencyMS    Latency      `json:"latency_ms"`
	Results      []JSONResult `json:"results"`
}

// Connections counts TCP connections opened and reused for keep-alive.
type Connections struct {
	New    int64 `json:"new"`
	Reused int64 `json:"reused"`
}

// Latency holds request latency percentiles in milliseconds.
type Latency struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// JSONResult is one code in the JSON report.
type JSONResult struct {
	CC         string  `json:"cc"`
	Country    string  `json:"country,omitempty"`
	Status     string  `json:"status"`
	HTTPStatus int     `json:"http_status"`
	Bytes      int64   `json:"bytes"`
	LatencyMS  float64 `json:"latency_ms"`
	Attempts   int     `json:"attempts"`
	Error      string  `json:"error,omitempty"`
	File       string  `json:"file,omitempty"`
}

// ToJSON builds the JSON report from a summary.
func ToJSON(s Summary) JSON {
	t := s.Tally
	j := JSON{
		Strategy:     s.Strategy,
		Server:       s.Server.Label,
		BaseURL:      s.Server.BaseURL,
		Concurrency:  s.Concurrency,
		Requested:    s.Requested,
		OK:           t.Count(OK),
		NotFound:     t.Count(NotFound),
		Errors:       t.Count(Error),
		NotAttempted: t.Count(NotAttempted),
		Cancelled:    t.Count(Cancelled),
		Interrupted:  s.Interrupted,
		ElapsedS:     round3(s.Elapsed.Seconds()),
		Bytes:        t.Bytes(),
		Retries:      t.Retries(),
		Connections:  Connections{New: s.ConnsOpened, Reused: s.ConnsReused},
		LatencyMS: Latency{
			P50: millis(t.Percentile(0.5)),
			P90: millis(t.Percentile(0.9)),
			P99: millis(t.Percentile(0.99)),
			Max: millis(t.Percentile(1)),
		},
		Results: []JSONResult{},
	}
	for _, r := range t.Results() {
		jr := JSONResult{
			CC: r.CC, Country: r.Country, Status: r.Status.String(), HTTPStatus: r.HTTPStatus,
			Bytes: r.Bytes, LatencyMS: millis(r.Latency), Attempts: r.Attempts, File: r.File,
		}
		if r.Status == Error || r.Status == NotFound {
			jr.Error = r.describe()
			if r.Status == NotFound {
				jr.Error = "not found: " + r.URL
			}
		}
		j.Results = append(j.Results, jr)
	}
	return j
}

// WriteJSON prints the JSON report as one indented object.
func WriteJSON(w io.Writer, s Summary) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(ToJSON(s))
}

func millis(d time.Duration) float64 { return round3(float64(d) / float64(time.Millisecond)) }

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
