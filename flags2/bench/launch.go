package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"
)

// launchArg, first after "bench", makes this program the launcher of one
// measured run instead of the runner. It is not an option a user types.
//
// Why a launcher: on Linux a child inherits, as its peak RSS, the peak of
// the process that started it: Go starts children with vfork semantics,
// sharing the parent's memory until exec, and exec records that memory's
// high-water mark as the child's. The runner, serving hundreds of
// connections, is 40 MB and more, which would hide every client's own
// peak. The launcher is this program freshly started (about 8 MB): it
// starts the measured client, waits, and passes the client's own rusage
// back on file descriptor 3.
//
//	runner (servers, large) ──► launcher (small) ──► client: flags2 --json …
//	      ◄── fd 3: {"exit", "max_rss_kb", "wall_ns"} ──┘
const launchArg = "--launch"

// launchReport is what the launcher tells the runner on fd 3.
type launchReport struct {
	Exit     int   `json:"exit"`
	MaxRSSKB int64 `json:"max_rss_kb"`
	WallNS   int64 `json:"wall_ns"`
}

// launch runs argv with this process's standard streams and reports on fd 3.
// When ctx is cancelled (Ctrl-C, or the runner interrupting the run) the
// client is interrupted in turn, so it can stop cleanly.
func launch(ctx context.Context, argv []string, stdout, stderr io.Writer) int {
	if len(argv) == 0 {
		fmt.Fprintln(stderr, "flags2 bench: launch: no command")
		return 2
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 2 * time.Second
	start := time.Now()
	err := cmd.Run()
	rep := launchReport{WallNS: int64(time.Since(start))}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		rep.Exit = exit.ExitCode()
	case err != nil:
		fmt.Fprintf(stderr, "flags2 bench: launch: %v\n", err)
		return 127
	}
	rep.MaxRSSKB = maxRSSKB(cmd.ProcessState)
	if f := os.NewFile(3, "report"); f != nil {
		json.NewEncoder(f).Encode(rep)
		f.Close()
	}
	if rep.Exit < 0 { // killed by a signal
		return 1
	}
	return rep.Exit
}
