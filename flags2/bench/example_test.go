package bench_test

import (
	"os"

	"flagsuite/flags2/bench"
)

// The rows of --csv: efficiency is empty where it does not apply (here,
// LOCAL); in --json it is null.
func ExampleWriteCSV() {
	eff := 0.97
	bench.WriteCSV(os.Stdout, []bench.Row{
		{Strategy: "loop", Server: "DELAY", Codes: "-e", Concurrency: 100, Reps: 3, MedianS: 1.082, MinS: 1.077,
			MaxS: 1.091, ReqPerS: 624.8, PeakInFlight: 100, Efficiency: &eff, PeakRSSKB: 18400},
		{Strategy: "pool", Server: "LOCAL", Codes: "-a", Concurrency: 10, Reps: 3, MedianS: 0.071, MinS: 0.066,
			MaxS: 0.09, ReqPerS: 2732.4, PeakInFlight: 2, PeakRSSKB: 13500},
	})
	// Output:
	// strategy,server,codes,concurrency,reps,median_s,min_s,max_s,req_per_s,peak_in_flight,errors,efficiency,peak_rss_kb
	// loop,DELAY,-e,100,3,1.082,1.077,1.091,624.8,100,0,0.97,18400
	// pool,LOCAL,-a,10,3,0.071,0.066,0.09,2732.4,2,0,,13500
}
