package bench

import (
	"encoding/csv"
	"io"
	"strconv"
)

// csvHeader names the columns as the JSON keys do.
var csvHeader = []string{"client", "strategy", "server", "codes", "concurrency", "reps", "median_s", "min_s", "max_s",
	"spread", "noisy", "req_per_s", "requests", "requests_per_code", "peak_in_flight", "errors", "efficiency",
	"peak_rss_kb", "exit_status", "measured_on", "extrapolated"}

// WriteCSV prints rows as CSV with a header line; efficiency is empty where
// it does not apply.
func WriteCSV(w io.Writer, rows []Row) error {
	cw := csv.NewWriter(w)
	cw.Write(csvHeader)
	for _, r := range rows {
		cw.Write(csvRecord(r))
	}
	cw.Flush()
	return cw.Error()
}

func num(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// csvRecord is a row's CSV fields, in csvHeader's order.
func csvRecord(r Row) []string {
	eff := ""
	if r.Efficiency != nil {
		eff = num(*r.Efficiency)
	}
	return []string{r.Client, r.Strategy, r.Server, r.Codes, strconv.Itoa(r.Concurrency), strconv.Itoa(r.Reps),
		num(r.MedianS), num(r.MinS), num(r.MaxS), num(r.Spread), strconv.FormatBool(r.Noisy), num(r.ReqPerS),
		strconv.FormatInt(r.Requests, 10), num(r.PerCode), strconv.FormatInt(r.PeakInFlight, 10),
		strconv.Itoa(r.Errors), eff, strconv.FormatInt(r.PeakRSSKB, 10), strconv.Itoa(r.ExitStatus),
		strconv.Itoa(r.MeasuredOn), strconv.FormatBool(r.Extrapolated)}
}
