package runner

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Interruptible returns a context cancelled by the first SIGINT or SIGTERM,
// so the run can stop cleanly and still report. After that first signal the
// default handling is restored: a second Ctrl-C ends the process at once.
func Interruptible(parent context.Context) (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	return ctx, stop
}

// Main runs a command's run function the way every command of the suite
// starts: with the process's arguments and streams, a context that the first
// Ctrl-C cancels, and run's result as the exit status.
func Main(run func(ctx context.Context, args []string, stdout, stderr io.Writer) int) {
	ctx, stop := Interruptible(context.Background())
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
