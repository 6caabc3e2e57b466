// Command flags2 downloads flag images with a progress bar and exact error
// accounting: the headline client of the suite, after flags2_*.py in
// Fluent Python.
//
//	flags2 [-h] [-a] [-e] [-l N] [-m CONCURRENT] [-s LABEL] [-v] [CC ...]
//	       [--strategy sequential|pool|loop] [--timeout D] [--dest DIR]
//	       [--retries N] [--writers N] [--json] [--fail] [--no-embed]
//
// Each requested code ends as downloaded (saved as DEST/<CC>.gif), not
// found (404) or error, and the final report counts every one once. With
// --json the report is one JSON object on stdout.
//
// flags2 bench [options] is the experiment runner of package
// flagsuite/flags2/bench: every strategy over a ladder of concurrency against
// the embedded LOCAL, DELAY and ERROR servers, as a table and an SVG plot;
// flags2 bench --faults runs the error-handling experiments (error rate ×
// retries, delay × timeout, chaos behaviours × strategy).
// "bench" can never be a country code, so the book's command lines are
// untouched.
//
// Exit status: 0 when the run finished (errors are results, as in the
// book); 1 for a fatal problem (an unwritable --dest) or, with --fail, when
// any code ended in error; 2 for a usage error; 130 when interrupted.
package main
