//go:build !unix

package bench

import "os"

// maxRSSKB is 0 where the child's rusage has no peak resident memory.
func maxRSSKB(*os.ProcessState) int64 { return 0 }
