package main

import (
	"context"

	"flagsuite/common/cli"
	"flagsuite/common/engine"
	"flagsuite/common/fetch"
	"flagsuite/common/flagdata"
	"flagsuite/common/report"
)

// fetched is one of the two requests of a code.
type fetched struct {
	url  string
	resp fetch.Response
	err  error
}

// countryTask fetches the image and the metadata of a code, then hands the
// image to the writers under the name the metadata gives.
//
// Under the loop strategy (a real gate) with --order parallel, the default,
// the two requests run at once, each taking its own slot of the semaphore,
// so a code costs one round trip when slots are free and never holds a slot
// while waiting for the other request. With --order book, and always under
// the pool and sequential strategies (fetch.NoGate: a worker is the limit),
// the image comes first and the metadata is asked for only if the image
// arrived: -m 1 then means one request in flight, as it says.
func countryTask(client *fetch.Client, cfg cli.Config) engine.Task {
	get := func(ctx context.Context, url string, gate fetch.Gate) fetched {
		resp, err := client.Get(ctx, url, gate)
		return fetched{url, resp, err}
	}
	parallel := orderOf(cfg.Extra) == orderParallel
	return func(ctx context.Context, cc string, gate fetch.Gate) engine.Outcome {
		imageURL := flagdata.ImageURL(cfg.Server.BaseURL, cc)
		metaURL := flagdata.MetadataURL(cfg.Server.BaseURL, cc)
		var image, meta fetched
		if gate == fetch.NoGate || !parallel {
			image = get(ctx, imageURL, gate)
			if image.err != nil { // the metadata cannot change the outcome
				return outcome(cc, image, fetched{})
			}
			meta = get(ctx, metaURL, gate)
		} else {
			metaDone := make(chan fetched, 1)
			go func() { metaDone <- get(ctx, metaURL, gate) }()
			image = get(ctx, imageURL, gate)
			meta = <-metaDone
		}
		return outcome(cc, image, meta)
	}
}

// outcome decides how a code ended from its two requests. A request that
// was not made has a zero fetched.
func outcome(cc string, image, meta fetched) engine.Outcome {
	r := report.Result{
		CC:         cc,
		URL:        image.url,
		HTTPStatus: image.resp.StatusCode,
		Bytes:      int64(len(image.resp.Body) + len(meta.resp.Body)),
		Latency:    image.resp.Latency + meta.resp.Latency,
		Attempts:   max(image.resp.Attempts, meta.resp.Attempts),
	}
	fail := func(f fetched, err error) engine.Outcome {
		r.URL, r.HTTPStatus, r.Err = f.url, f.resp.StatusCode, err
		r.Status, r.Detail = report.Error, fetch.Describe(err)
		if fetch.IsNotFound(err) {
			r.Status, r.Detail = report.NotFound, ""
		}
		return engine.Outcome{Result: r}
	}
	// A 404 on either request is "not found", even if the other failed.
	for _, f := range []fetched{image, meta} {
		if fetch.IsNotFound(f.err) {
			return fail(f, f.err)
		}
	}
	if image.err != nil {
		return fail(image, image.err)
	}
	if meta.err != nil {
		return fail(meta, meta.err)
	}
	if err := flagdata.CheckGIF(image.resp.Body); err != nil {
		return fail(image, err)
	}
	m, err := flagdata.DecodeMetadata(meta.resp.Body, cc)
	if err != nil {
		return fail(meta, err)
	}
	r.Status, r.Country, r.File = report.OK, m.Country, flagdata.FileName(m.Country, cc)
	return engine.Outcome{Result: r, Save: image.resp.Body}
}
