package site

import "time"

// fate decides what happens to the n-th GET under the prefix (counting from
// 0): how long it waits and whether it fails. It is a pure function of the
// seed and n, so concurrent requests need no lock and a seeded site replays
// the same sequence.
func (s *Site) fate(n uint64) (wait time.Duration, fail bool) {
	switch s.mode {
	case Delay:
		span := s.maxDelay - s.minDelay
		return s.minDelay + time.Duration(unit(s.seed, n, 1)*float64(span)), false
	case Error:
		return s.errorDelay, unit(s.seed, n, 2) < s.errorRate
	}
	return 0, false
}

// unit hashes (seed, n, stream) to a number in [0, 1). The stream keeps the
// delay and the error draws of one request independent.
func unit(seed, n, stream uint64) float64 {
	return float64(mix(mix(seed^stream*0x9e3779b97f4a7c15)+n)>>11) / (1 << 53)
}

// mix is SplitMix64's finalizer: every input bit flips about half the output bits.
func mix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}
