package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"flagsuite/common/command"
	"flagsuite/testserver/dataset"
)

// run is the whole command, with its streams passed in so tests can run it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parse(args, stdout)
	if err != nil {
		return command.ReportError(err, "testserver", usageLine, stderr)
	}

	data, source := dataset.Embedded(), "the embedded data set"
	if cfg.data != "" {
		fsys, closer, err := dataset.Open(cfg.data)
		if err != nil {
			fmt.Fprintf(stderr, "testserver: %v\n", err)
			return command.ExitFatal
		}
		defer closer.Close()
		data, source = fsys, cfg.data
	}
	// Listing the codes also builds the embedded set now, before the first
	// request rather than during it.
	codes, err := dataset.Codes(data)
	if err != nil {
		fmt.Fprintf(stderr, "testserver: %s: %v\n", source, err)
		return command.ExitFatal
	}

	var logger *slog.Logger
	if !cfg.quiet {
		logger = slog.New(slog.NewTextHandler(stderr, nil))
		fmt.Fprintf(stderr, "testserver: serving %d codes from %s\n", len(codes), source)
	}
	servers, err := listen(cfg, data, logger, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "testserver: %v\n", err)
		return command.ExitFatal
	}
	if err := serve(ctx, servers, stdout); err != nil {
		fmt.Fprintf(stderr, "testserver: %v\n", err)
		return command.ExitFatal
	}
	if !cfg.quiet {
		fmt.Fprintln(stderr, "testserver: stopped")
	}
	return command.ExitOK
}
