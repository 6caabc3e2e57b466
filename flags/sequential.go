package main

import (
	"context"

	"flagsuite/common/fetch"
)

// sequential gets and saves one flag at a time, in code order (flags.py).
func sequential(ctx context.Context, d downloader, codes []string, _ int, saved func(cc string)) error {
	for _, cc := range codes {
		image, err := d.get(ctx, cc, fetch.NoGate)
		if err != nil {
			return err
		}
		if err := d.save(cc, image); err != nil {
			return err
		}
		saved(cc)
	}
	return nil
}
