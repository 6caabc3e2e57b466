//go:build unix

package bench

import (
	"os"
	"runtime"
	"syscall"
)

// maxRSSKB is the peak resident memory of a finished child, in KB, from its
// rusage: Linux counts ru_maxrss in kilobytes, macOS in bytes.
func maxRSSKB(ps *os.ProcessState) int64 {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok || ru == nil {
		return 0
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return int64(ru.Maxrss) / 1024
	}
	return int64(ru.Maxrss)
}
