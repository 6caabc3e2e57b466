// Package strategy names the three concurrency strategies of the book, in
// one list that the command line, the engine, the test helpers and the
// bench all read, so a strategy is spelled in one place.
package strategy

import (
	"fmt"
	"strings"
)

// Name is a concurrency strategy. Its zero value is not a strategy; Parse
// and Set turn a user's word into one or say why they cannot.
type Name string

// The strategies, in the order the book presents them.
const (
	Sequential Name = "sequential" // one request at a time, in code order
	Pool       Name = "pool"       // a fixed pool of worker goroutines fed from a queue
	Loop       Name = "loop"       // one goroutine per code, a semaphore around each request
)

// All lists every strategy, in the book's order.
var All = []Name{Sequential, Pool, Loop}

// Default is the strategy a client runs when none is named.
const Default = Loop

// Parse returns the strategy named s (any case), or an error that lists the
// valid names.
func Parse(s string) (Name, error) {
	n := Name(strings.ToLower(s))
	if !n.Valid() {
		return "", fmt.Errorf("must be one of %s", List())
	}
	return n, nil
}

// Valid reports whether n is one of All.
func (n Name) Valid() bool {
	return n == Sequential || n == Pool || n == Loop
}

// DefaultConcurrency is the --max_req default of the strategy: 1 for
// sequential, 30 for the pool (the book's thread pool), 5 for the loop.
func (n Name) DefaultConcurrency() int {
	switch n {
	case Sequential:
		return 1
	case Pool:
		return 30
	default:
		return 5
	}
}

// IgnoresM reports whether the strategy makes one request at a time
// whatever -m says.
func (n Name) IgnoresM() bool { return n == Sequential }

// List is the names joined with ", ", for help and error texts.
func List() string {
	s := make([]string, len(All))
	for i, n := range All {
		s[i] = string(n)
	}
	return strings.Join(s, ", ")
}

// String, Set and Type make *Name a pflag.Value: --strategy is checked where
// it enters.
func (n Name) String() string { return string(n) }

// Set parses s into n.
func (n *Name) Set(s string) error {
	v, err := Parse(s)
	if err != nil {
		return err
	}
	*n = v
	return nil
}

// Type is the value's name in help texts.
func (n *Name) Type() string { return "NAME" }
