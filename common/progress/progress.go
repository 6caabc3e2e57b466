// Package progress shows how far a run has got, on stderr, without ever
// littering a log.
//
// Live is the downloaders' display. It reads the engine's event stream and,
// on a terminal, redraws one line in place ten times a second, laid out as
// tqdm lays out its own, plus what the suite is about — the concurrency:
//
//	flags  43%|██████▋      | 291/676  ok 120  404 3  err 7  slots ███░██░█  waiting 59  [00:09<00:30, 98.5 flags/s]
//
// The line takes the terminal's width at every frame and gives up its least
// useful items to fit, never wrapping; at the end it is replaced by one
// final line. Off a terminal (a pipe, a file, /dev/null, a CI log) it
// prints no escape code and no carriage return: a plain line every five
// seconds once a run is ten seconds old, and the final line.
//
// The live line is drawn here, not by github.com/schollz/progressbar: that
// library draws one count in a fixed layout, and what this line needs —
// several live counts, one cell per slot, fields that drop out to fit a
// narrow or resized terminal, an ETA that does not jump — is outside it.
// The library stays for what it does well, a plain bar of one count: Bar,
// for a job that has only that to show. The downloaders no longer use it.
package progress
