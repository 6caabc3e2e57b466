package cli

import (
	"errors"
	"fmt"
	"io"
)

// Exit codes shared by the commands.
const (
	ExitOK          = 0
	ExitFatal       = 1   // a problem before or during the run; with --fail, any code in error
	ExitUsage       = 2   // a bad command line
	ExitInterrupted = 130 // stopped by Ctrl-C (128 + SIGINT)
)

// ReportParseError prints what Parse returned and gives the exit code: 0
// after help, 2 with "*** Usage error: …" and the usage line for a bad line.
func (c Command) ReportParseError(err error, stderr io.Writer) int {
	return ReportError(err, c.Name, c.Usage(), stderr)
}

// ReportError is ReportParseError for any command with a usage line: name
// prefixes other errors, which exit with ExitFatal.
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
