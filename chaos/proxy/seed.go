package proxy

import (
	"hash/fnv"
	"math/rand/v2"
)

// SeedBy says what, besides the seed, decides a request's fate.
type SeedBy string

const (
	// ByRequest: the k-th request (HTTP) or connection (TCP) the proxy
	// reads. Repeatable for a client that sends requests one at a time.
	ByRequest SeedBy = "request"
	// ByPath: the request's URL path, so the same resources fail in every
	// run whatever the concurrency and arrival order (HTTP only).
	ByPath SeedBy = "path"
)

// fate is the draw for one request or connection: u picks the bucket, and
// the same bits seed the fault's own random choices.
type fate struct {
	u uint64
}

// draw returns the fate of the k-th request with the given path. With a seed
// it is a pure function of (seed, k), or of (seed, path) with ByPath.
func (p *Proxy) draw(k uint64, path string) fate {
	if !p.cfg.Seeded {
		return fate{u: rand.Uint64()}
	}
	key := k
	if p.cfg.SeedBy == ByPath {
		h := fnv.New64a()
		h.Write([]byte(path))
		key = h.Sum64()
	}
	return fate{u: mix(mix(uint64(p.cfg.Seed)) ^ key)}
}

// mix is SplitMix64's finaliser: every input bit affects every output bit,
// so neighbouring k give unrelated draws.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// source returns the seed pair for a fate's own *rand.Rand; a different
// stream of the same bits than the bucket draw, so that, say, the status an
// error fault draws is not tied to which bucket was picked.
func (f fate) source(stream uint64) (uint64, uint64) {
	return mix(f.u ^ 0x5851f42d4c957f2d), stream
}
