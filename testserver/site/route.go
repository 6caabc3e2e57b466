package site

import (
	"strings"

	"flagsuite/testserver/dataset"
)

// route is what a URL path asks for.
type route int

const (
	outside  route = iota // not under the prefix
	unknown               // under the prefix, but not a data file
	bare                  // the prefix without its slash: redirected to the listing
	listing               // {prefix}/
	image                 // {prefix}/{cc}/{cc}.gif
	metadata              // {prefix}/{cc}/metadata.json
)

// parse maps an escaped URL path to a route and, for a data file, its name
// in the data set. It matches the escaped form on purpose: the three shapes
// above never need escaping, so "%2e%2e", "%2f" and the like match nothing,
// and neither do "..", "//" or upper-case codes. That is the whole
// traversal defence, and it leaves nothing to clean.
func (s *Site) parse(p string) (route, string) {
	if p == s.prefix && p != "" {
		return bare, ""
	}
	rest, ok := strings.CutPrefix(p, s.prefix+"/")
	switch {
	case !ok:
		return outside, ""
	case rest == "":
		return listing, ""
	}
	cc, file, ok := strings.Cut(rest, "/")
	switch {
	case !ok || !dataset.IsCode(cc):
		return unknown, ""
	case len(file) == len("xx.gif") && file[:2] == cc && file[2:] == ".gif":
		return image, rest
	case file == "metadata.json":
		return metadata, rest
	}
	return unknown, ""
}
