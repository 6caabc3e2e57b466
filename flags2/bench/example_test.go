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
		{Client: "flags2", Strategy: "loop", Server: "DELAY", Codes: "-e", Concurrency: 100, Reps: 3, MedianS: 1.082,
			MinS: 1.077, MaxS: 1.091, Spread: 0.013, ReqPerS: 624.8, Requests: 676, PerCode: 1, PeakInFlight: 100,
			Efficiency: &eff, PeakRSSKB: 18400, MeasuredOn: 676},
		{Client: "flags2", Strategy: "pool", Server: "LOCAL", Codes: "-a", Concurrency: 10, Reps: 5, MedianS: 0.071,
			MinS: 0.066, MaxS: 0.09, Spread: 0.31, Noisy: true, ReqPerS: 2732.4, Requests: 194, PerCode: 1,
			PeakInFlight: 2, PeakRSSKB: 13500, MeasuredOn: 194},
	})
	// Output:
	// client,strategy,server,codes,concurrency,reps,median_s,min_s,max_s,spread,noisy,req_per_s,requests,requests_per_code,peak_in_flight,errors,efficiency,peak_rss_kb,exit_status,measured_on,extrapolated
	// flags2,loop,DELAY,-e,100,3,1.082,1.077,1.091,0.013,false,624.8,676,1,100,0,0.97,18400,0,676,false
	// flags2,pool,LOCAL,-a,10,5,0.071,0.066,0.09,0.31,true,2732.4,194,1,2,0,,13500,0,194,false
}
