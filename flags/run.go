package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"flagsuite/common/cli"
	"flagsuite/common/command"
	"flagsuite/common/fetch"
	"flagsuite/common/flagdata"
	"flagsuite/common/store"
	"flagsuite/common/strategy"
	"flagsuite/testserver/autoserve"
)

var flagsCommand = cli.Command{
	Name:    "flags",
	Summary: "Download the flags of the 20 most populous countries.",
	Simple:  true,
}

// strategies maps --strategy to its implementation. Each calls saved with a
// code once its file is in place, and returns the first error.
var strategies = map[strategy.Name]func(ctx context.Context, d downloader, codes []string, n int, saved func(cc string)) error{
	strategy.Sequential: sequential,
	strategy.Pool:       pool,
	strategy.Loop:       loop,
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := flagsCommand.Parse(args, stdout)
	if err != nil {
		return flagsCommand.ReportParseError(err, stderr)
	}
	if !cfg.NoEmbed {
		stop, err := autoserve.Start(ctx, cfg.Server, stderr, flagsCommand.Name)
		if err != nil {
			fmt.Fprintf(stderr, "flags: %v\n", err)
			return command.ExitFatal
		}
		defer stop()
	}
	if err := store.PrepareDir(cfg.Dest); err != nil {
		fmt.Fprintf(stderr, "flags: %v\n", err)
		return command.ExitFatal
	}
	client := fetch.New(fetch.Config{Concurrency: cfg.Concurrency, Timeout: cfg.Timeout})
	defer client.CloseIdle()
	d := downloader{client: client, base: cfg.Server.BaseURL, dest: cfg.Dest}

	start := time.Now()
	count := 0
	err = strategies[cfg.Strategy](ctx, d, cfg.Codes, cfg.Concurrency, func(cc string) {
		fmt.Fprint(stdout, cc, " ")
		count++
	})
	fmt.Fprintln(stdout)
	if err != nil {
		fmt.Fprintf(stderr, "flags: %v\n", err)
		if ctx.Err() != nil {
			return command.ExitInterrupted
		}
		return command.ExitFatal
	}
	fmt.Fprintf(stdout, "%d downloads in %.2fs\n", count, time.Since(start).Seconds())
	return command.ExitOK
}

// downloader gets one flag and saves it.
type downloader struct {
	client *fetch.Client
	base   string
	dest   string
}

// get fetches the image of cc, holding gate only during the request.
func (d downloader) get(ctx context.Context, cc string, gate fetch.Gate) ([]byte, error) {
	resp, err := d.client.Get(ctx, flagdata.ImageURL(d.base, cc), gate)
	if err == nil {
		err = flagdata.CheckGIF(resp.Body)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %s", cc, fetch.Describe(err))
	}
	return resp.Body, nil
}

// save writes the image atomically as DEST/<CC>.gif.
func (d downloader) save(cc string, image []byte) error {
	if err := store.WriteAtomic(d.dest, cc+".gif", image); err != nil {
		return d.wrapSave(cc, err)
	}
	return nil
}

func (d downloader) wrapSave(cc string, err error) error {
	return fmt.Errorf("%s: saving: %w", cc, err)
}
