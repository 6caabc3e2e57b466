package bench

import (
	"encoding/csv"
	"io"
	"strconv"
)

// csvHeader names the columns as the JSON keys do.
var csvHeader = []string{"strategy", "server", "codes", "concurrency", "reps", "median_s", "min_s", "max_s",
	"req_per_s", "peak_in_flight", "errors", "efficiency", "peak_rss_kb"}

// WriteCSV prints rows as CSV with a header line; efficiency is empty where
// it does not apply.
func WriteCSV(w io.Writer, rows []Row) error {
	cw := csv.NewWriter(w)
	cw.Write(csvHeader)
	for _, r := range rows {
		eff := ""
		if r.Efficiency != nil {
			eff = num(*r.Efficiency)
		}
		cw.Write([]string{r.Strategy, r.Server, r.Codes, strconv.Itoa(r.Concurrency), strconv.Itoa(r.Reps),
			num(r.MedianS), num(r.MinS), num(r.MaxS), num(r.ReqPerS), strconv.FormatInt(r.PeakInFlight, 10),
			strconv.Itoa(r.Errors), eff, strconv.FormatInt(r.PeakRSSKB, 10)})
	}
	cw.Flush()
	return cw.Error()
}

func num(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
