package site

import (
	"math/rand/v2"
	"time"
)

// fate decides what happens to the n-th GET under the prefix (counting from
// 0): how long it waits and whether it fails. It draws from a PCG generator
// seeded with (seed, n), so it is a pure function of both: concurrent
// requests need no lock, and a seeded site replays the same sequence.
func (s *Site) fate(n uint64) (wait time.Duration, fail bool) {
	switch s.mode {
	case Delay:
		span := float64(s.maxDelay - s.minDelay)
		return s.minDelay + time.Duration(unit(rand.NewPCG(s.seed, n))*span), false
	case Error:
		return s.errorDelay, unit(rand.NewPCG(s.seed, n)) < s.errorRate
	}
	return 0, false
}

// unit returns a number in [0, 1) from src's next output.
func unit(src rand.Source) float64 { return float64(src.Uint64()>>11) / (1 << 53) }
