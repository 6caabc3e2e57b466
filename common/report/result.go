// Package report keeps the tally of a download run and prints it: the book's
// initial and final text reports, the verbose per-code lines, and a JSON
// report. One Tally feeds every form, so they never disagree.
package report

import (
	"fmt"
	"time"
)

// Status is how the download of one code ended.
type Status int

// Every requested code ends in exactly one Status.
const (
	OK           Status = iota // saved to disk
	NotFound                   // the server answered 404
	Error                      // anything else went wrong
	NotAttempted               // the run was interrupted before this code started
	Cancelled                  // the run was interrupted while this code was in flight

	// NumStatuses is how many statuses there are, for arrays indexed by Status.
	NumStatuses = iota
)

var statusNames = [NumStatuses]string{"ok", "not_found", "error", "not_attempted", "cancelled"}

// String returns the JSON name: "ok", "not_found", "error", "not_attempted"
// or "cancelled".
func (s Status) String() string {
	if s < 0 || int(s) >= len(statusNames) {
		return fmt.Sprintf("Status(%d)", int(s))
	}
	return statusNames[s]
}

// Result is the outcome of one code.
type Result struct {
	CC         string        // upper case: "BR"
	Country    string        // from metadata.json (flags3), else ""
	Status     Status        // how it ended
	URL        string        // the request that decided the status
	HTTPStatus int           // last HTTP status seen, 0 when none
	Err        error         // why, when Status is Error or NotFound
	Detail     string        // Err in plain words for reports; derived from Err when empty
	Bytes      int64         // body bytes received (all requests of the code)
	Latency    time.Duration // time spent in HTTP requests for this code
	Attempts   int           // HTTP attempts, retries included
	File       string        // the saved file, when Status is OK
}

// Line is the verbose line of a result: "BR OK", "XZ not found: <url>",
// "AO error: HTTP error 418 - I'm a teapot", with "(3 attempts)" after
// retries.
func (r Result) Line() string {
	var s string
	switch r.Status {
	case OK:
		s = r.CC + " OK"
	case NotFound:
		s = r.CC + " not found: " + r.URL
	case Error:
		s = r.CC + " error: " + r.describe()
	case Cancelled:
		s = r.CC + " cancelled"
	default:
		s = r.CC + " not attempted"
	}
	if r.Attempts > 1 {
		s += fmt.Sprintf(" (%d attempts)", r.Attempts)
	}
	return s
}

func (r Result) describe() string {
	switch {
	case r.Detail != "":
		return r.Detail
	case r.Err != nil:
		return r.Err.Error()
	}
	return "unknown error"
}
