package command

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// MaxDuration is the longest duration a flag takes: anything longer is a
// typo (a sleep of a century is no experiment), refused rather than obeyed.
const MaxDuration = 24 * time.Hour

// ParseDuration reads a duration flag's value the same way in every
// command: bare seconds ("5", "0.5", ".5"), as the book's scripts and
// Vaurien write them, or a Go duration ("500ms", "1m30s"). It refuses
// negative, not-a-number and infinite values, and anything over
// MaxDuration.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		switch {
		case math.IsNaN(f):
			return 0, fmt.Errorf("want seconds (0.5) or a duration (500ms); got %q", s)
		case f < 0:
			return 0, fmt.Errorf("must not be negative; got %q", s)
		case f > MaxDuration.Seconds():
			return 0, tooLong(s)
		}
		d = time.Duration(math.Round(f * float64(time.Second)))
	} else {
		d, err = time.ParseDuration(s)
		switch {
		case err != nil: // not a duration, or one too long to hold
			return 0, fmt.Errorf("want seconds (0.5) or a duration (500ms) up to %v; got %q", MaxDuration, s)
		case d < 0:
			return 0, fmt.Errorf("must not be negative; got %q", s)
		case d > MaxDuration:
			return 0, tooLong(s)
		}
	}
	return d, nil
}

// ErrTooLong is what ParseDuration's error matches (errors.Is) when the
// duration is over MaxDuration, for callers that word that case their own way.
var ErrTooLong = errors.New("duration over the limit")

// tooLong is ParseDuration's error for a duration over MaxDuration.
type tooLong string

func (s tooLong) Error() string {
	return fmt.Sprintf("must be at most %v; got %q", MaxDuration, string(s))
}
func (tooLong) Is(target error) bool { return target == ErrTooLong }

// duration is the pflag.Value of DurationVar.
type duration struct{ p *time.Duration }

func (d duration) String() string {
	if d.p == nil {
		return ""
	}
	return d.p.String()
}

func (d duration) Set(s string) error {
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d.p = v
	return nil
}

func (d duration) Type() string { return "duration" }

// DurationVarP defines a duration flag read by ParseDuration, so that
// "--timeout 5", "--timeout 0.5" and "--timeout 500ms" all work; it is
// pflag's DurationVarP otherwise.
func DurationVarP(fs *pflag.FlagSet, p *time.Duration, name, shorthand string, value time.Duration, usage string) {
	*p = value
	fs.VarP(duration{p}, name, shorthand, usage)
}

// DurationVar is DurationVarP without a shorthand.
func DurationVar(fs *pflag.FlagSet, p *time.Duration, name string, value time.Duration, usage string) {
	DurationVarP(fs, p, name, "", value, usage)
}
