// Command chaos is a fault-injecting proxy for the flag downloaders: the
// Vaurien command lines of Fluent Python's first edition run unchanged, and
// it does what Toxiproxy cannot — HTTP error responses, a fate drawn per
// request even on keep-alive connections, repeatable runs with --seed, and
// an accept loop that never waits for the backend.
//
//	chaos [--protocol http|tcp] [--backend HOST:PORT] [--proxy HOST:PORT]
//	      [--behavior PERCENT:NAME,...] [--behavior-NAME-OPTION VALUE ...]
//	      [--seed N [--seed-by request|path]] [--tag] [--quiet]
//	      [--api ADDR [--api-public]] [--config FILE] [--name NAME]
//	      [--dial-timeout D] [--idle-timeout D] [--header-timeout D]
//
// The book's lines, in front of the LOCAL test server:
//
//	chaos --protocol http --backend localhost:8000 --proxy localhost:8002 \
//	      --behavior 25:error,50:delay --behavior-delay-sleep .5
//	chaos --backend localhost:8000 --proxy localhost:8001 \
//	      --behavior 100:delay --behavior-delay-sleep .5
//
// --behavior is a comma list of PERCENT:NAME buckets; they are exclusive,
// and the remaining percentage passes untouched. NAME may join faults with
// "+" (10:delay+truncate). HTTP faults: delay, error, hang, blackout,
// abort, reset, truncate, slow, transient. TCP faults (--protocol tcp, one
// fate per connection): latency, bandwidth, slicer, limit_data,
// slow_close, timeout, reset_peer. chaos -h lists every option.
//
// When ready it prints, on stdout, "chaos http://HOST:PORT -> BACKEND" for
// each proxy and, with --api, "api http://HOST:PORT". Each injected fault
// is one JSON line on stderr (unless --quiet). The control plane (package
// flagsuite/chaos/api) speaks Toxiproxy's HTTP API, so toxiproxy-cli and
// Toxiproxy's clients drive it; chaos's HTTP faults are more toxic types.
// "chaos --api 127.0.0.1:8474" alone is an empty control plane. It also
// serves GET /metrics (Prometheus) and GET /stats:
//
//	{"requests": 676, "faults": {"error": 170, "delay": 331}, "statuses": {"200": 190, "404": 316, "500": 41, ...}}
//
// --config FILE takes Toxiproxy's config file, toxics included:
//
//	[{"name": "error", "listen": "127.0.0.1:8002", "upstream": "127.0.0.1:8000",
//	  "protocol": "http", "seed": 7, "seed_by": "path",
//	  "toxics": [{"type": "error", "toxicity": 0.25, "attributes": {"status": "503"}}]}]
//
// It stops cleanly on SIGINT or SIGTERM. Exit status: 0 after a clean stop,
// 1 when a port cannot be opened, 2 for a usage error.
package main
