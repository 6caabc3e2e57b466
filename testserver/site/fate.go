package site

import (
	"hash/fnv"
	"math/rand/v2"
	"time"
)

// fate decides what happens to a GET under the prefix: how long it waits
// and whether it fails. It draws from a PCG generator seeded with the
// site's seed and a key: the GET's number in arrival order (counting from
// 0), or, with SeedByPath, a hash of its URL path. So it is a pure function
// of (seed, number) or of (seed, path): concurrent requests need no lock,
// and a seeded site replays the same fates.
func (s *Site) fate(path string) (wait time.Duration, fail bool) {
	if s.mode == Local {
		return 0, false
	}
	var key uint64
	if s.byPath {
		h := fnv.New64a()
		h.Write([]byte(path))
		key = h.Sum64()
	} else {
		key = s.gets.Add(1) - 1
	}
	switch s.mode {
	case Delay:
		span := float64(s.maxDelay - s.minDelay)
		return s.minDelay + time.Duration(unit(rand.NewPCG(s.seed, key))*span), false
	case Error:
		return s.errorDelay, unit(rand.NewPCG(s.seed, key)) < s.errorRate
	}
	return 0, false
}

// unit returns a number in [0, 1) from src's next output.
func unit(src rand.Source) float64 { return float64(src.Uint64()>>11) / (1 << 53) }
