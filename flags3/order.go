package main

import (
	"fmt"

	"github.com/spf13/pflag"
)

// order is when a code's metadata is requested, under the loop strategy:
//
//	parallel  both requests at once, each holding its own slot: one round
//	          trip per code when slots are free, but a code whose image is
//	          404 still costs a metadata request;
//	book      the image first, the metadata only for a found image, as
//	          flags3_asyncio.py does: two round trips per found code, and
//	          no request wasted on a missing one (most of -e).
//
// The pool and sequential strategies always use the book's order: their
// worker is the limit, so the two requests of a code are never in flight
// together there.
type order string

const (
	orderParallel order = "parallel"
	orderBook     order = "book"
)

func (o *order) String() string { return string(*o) }
func (o *order) Type() string   { return "ORDER" }

func (o *order) Set(s string) error {
	switch order(s) {
	case orderParallel, orderBook:
		*o = order(s)
		return nil
	}
	return fmt.Errorf("--order must be parallel or book; got %q", s)
}

// orderOption adds --order to flags3's command line; cli.Config.Extra then
// holds the *order it fills.
func orderOption(fs *pflag.FlagSet) any {
	o := orderParallel
	fs.Var(&o, "order", "`ORDER` of a code's two requests under loop: parallel (both at once) or book (image first, metadata only for a found image)")
	return &o
}

// orderOf returns the order a parsed command line asks for.
func orderOf(extra any) order {
	if o, ok := extra.(*order); ok {
		return *o
	}
	return orderParallel
}
