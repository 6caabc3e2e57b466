package main

import (
	"context"

	"flagsuite/common/fetch"
	"flagsuite/common/store"
)

// loop is the asyncio shape (flags_asyncio.py): this goroutine owns all the
// state; one lightweight task per code starts at once; a weighted semaphore
// lets n of them hold an HTTP request at a time; images go to an executor of
// writer goroutines (run_in_executor), and completions come back over one
// channel in the order they finish.
//
//	task per code ──sem──► GET ──► writers ──done──► this goroutine: saved(cc)
func loop(ctx context.Context, d downloader, codes []string, n int, saved func(cc string)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type done struct {
		cc  string
		err error
	}
	completions := make(chan done, len(codes)) // room for all: no task waits on the loop
	writers := store.NewPool(4)
	sem := fetch.Semaphore(int64(n)) // a golang.org/x/sync/semaphore.Weighted

	for _, cc := range codes {
		go func() {
			image, err := d.get(ctx, cc, sem)
			if err != nil {
				completions <- done{cc, err}
				return
			}
			writers.Submit(d.dest, cc+".gif", image, func(err error) {
				if err != nil {
					err = d.wrapSave(cc, err)
				}
				completions <- done{cc, err}
			})
		}()
	}

	var first error
	for range codes {
		c := <-completions
		switch {
		case first != nil:
		case c.err != nil:
			first = c.err
			cancel() // the other tasks stop at their next request
		default:
			saved(c.cc)
		}
	}
	writers.Close()
	return first
}
