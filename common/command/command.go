// Package command holds what every command of the suite shares at its edge:
// the exit statuses, usage errors and how they are reported, the help text
// of a flag set, and Main, which runs a command with a context that the
// first Ctrl-C cancels.
//
// It is imported by all five commands (flags, flags2, flags3, testserver,
// chaos); the clients' own command line lives in common/cli.
package command

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/pflag"
)

// Exit statuses shared by the commands.
const (
	ExitOK          = 0
	ExitFatal       = 1   // a problem before or during the run; with --fail, any code in error
	ExitUsage       = 2   // a bad command line
	ExitInterrupted = 130 // stopped by Ctrl-C (128 + SIGINT)
)

// UsageError is a bad command line. Its message is shown after "*** Usage error: ".
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef returns a *UsageError with a formatted message.
func Usagef(format string, a ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, a...)}
}

// ErrHelp is returned by a command's parser after it has printed the help text.
var ErrHelp = errors.New("help requested")

// ReportError prints what a command's parser or set-up returned and gives the
// exit status: 0 after help, 2 with "*** Usage error: …" and the usage line
// for a *UsageError, 1 with "name: error" for anything else.
func ReportError(err error, name, usage string, stderr io.Writer) int {
	var uerr *UsageError
	switch {
	case errors.Is(err, ErrHelp):
		return ExitOK
	case errors.As(err, &uerr):
		fmt.Fprintf(stderr, "*** Usage error: %s\n%s\n", uerr.Msg, usage)
		return ExitUsage
	default:
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return ExitFatal
	}
}

// Options formats the visible flags of fs for --help, one per line, without
// pflag's "[=true|false]" decoration on switches. A flag whose value type is
// "N" (a whole number with no meaningful default) shows no default.
func Options(fs *pflag.FlagSet) string {
	var b strings.Builder
	b.WriteString("options:\n")
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		name := "    --" + f.Name
		if f.Shorthand != "" {
			name = "-" + f.Shorthand + ", --" + f.Name
		}
		varname, usage := pflag.UnquoteUsage(f)
		if varname != "" {
			name += " " + varname
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.Value.Type() != "N" {
			usage += " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(&b, "  %-28s %s\n", name, usage)
	})
	return b.String()
}

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

// Run is the signature of every command's testable body.
type Run func(ctx context.Context, args []string, stdout, stderr io.Writer) int

// Main runs a command's run function the way every command of the suite
// starts: with the process's arguments and streams, a context that the first
// Ctrl-C cancels, and run's result as the exit status.
func Main(run Run) {
	ctx, stop := Interruptible(context.Background())
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
