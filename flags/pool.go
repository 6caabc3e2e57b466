package main

import (
	"context"
	"sync"

	"flagsuite/common/fetch"
)

// pool runs n worker goroutines fed from a queue, like a ThreadPoolExecutor
// (flags_threadpool.py). Each worker gets and saves one flag at a time; the
// caller's goroutine receives the results as they complete.
//
//	producer ──jobs──► n workers ──results──► caller: saved(cc)
func pool(ctx context.Context, d downloader, codes []string, n int, saved func(cc string)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type result struct {
		cc  string
		err error
	}
	jobs := make(chan string)
	results := make(chan result)

	go func() { // the producer closes jobs
		defer close(jobs)
		for _, cc := range codes {
			select {
			case jobs <- cc:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for cc := range jobs {
				image, err := d.get(ctx, cc, fetch.NoGate)
				if err == nil {
					err = d.save(cc, image)
				}
				results <- result{cc, err}
			}
		})
	}
	go func() { wg.Wait(); close(results) }()

	var first error
	for r := range results { // drain, so no worker is left blocked
		switch {
		case first != nil:
		case r.err != nil:
			first = r.err
			cancel()
		default:
			saved(r.cc)
		}
	}
	return first
}
