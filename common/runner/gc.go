package runner

import (
	"os"
	"runtime/debug"
)

// gcPercent and memoryLimit give the garbage collector headroom for what a
// run is: a short burst whose live heap is small (the bodies in flight and
// the tally). At the default GOGC of 100 a 676-code LOCAL run spends about a
// third of its time collecting; at 400 it hardly collects, and the soft limit
// makes the collector work harder again before the heap grows past it.
// GOGC or GOMEMLIMIT set in the environment win.
const (
	gcPercent   = 400
	memoryLimit = 64 << 20
)

// TuneGC applies gcPercent and memoryLimit unless the user chose their own.
// Commands call it from main: it sets the whole process, so tests that run a
// family in-process keep the test binary's defaults.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}
