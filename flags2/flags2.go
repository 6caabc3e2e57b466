package main

import (
	"context"
	"io"

	"flagsuite/testserver/autoserve"

	"flagsuite/common/cli"
	"flagsuite/common/engine"
	"flagsuite/common/fetch"
	"flagsuite/common/flagdata"
	"flagsuite/common/report"
	"flagsuite/common/runner"
	"flagsuite/flags2/bench"
)

var family = runner.Family{
	Command: cli.Command{
		Name: "flags2",
		Summary: "Download flags of countries, with a progress bar and an exact tally of errors.\n" +
			"flags2 bench [options] times the strategies against each other (flags2 bench -h).",
	},
	NewTask: imageTask,
	Serve:   autoserve.Start,
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	// "bench" can never be a country code, so the book's command line is
	// untouched: flags2 bench [options] is the experiment runner.
	if len(args) > 0 && args[0] == "bench" {
		return bench.Run(ctx, args[1:], stdout, stderr)
	}
	return family.Run(ctx, args, stdout, stderr)
}

// imageTask fetches {base}/{cc}/{cc}.gif and hands a valid image to the
// writers as <CC>.gif.
func imageTask(client *fetch.Client, cfg cli.Config) engine.Task {
	return func(ctx context.Context, cc string, gate fetch.Gate) engine.Outcome {
		url := flagdata.ImageURL(cfg.Server.BaseURL, cc)
		resp, err := client.Get(ctx, url, gate)
		r := report.Result{
			CC: cc, URL: url, HTTPStatus: resp.StatusCode, Bytes: int64(len(resp.Body)),
			Latency: resp.Latency, Attempts: resp.Attempts,
		}
		if err == nil {
			err = flagdata.CheckGIF(resp.Body)
		}
		switch {
		case fetch.IsNotFound(err):
			r.Status, r.Err = report.NotFound, err
		case err != nil:
			r.Status, r.Err, r.Detail = report.Error, err, fetch.Describe(err)
		default:
			r.Status, r.File = report.OK, cc+".gif"
			return engine.Outcome{Result: r, Save: resp.Body}
		}
		return engine.Outcome{Result: r}
	}
}
