// Testserver runs the flag servers of the book's examples on one machine:
// LOCAL, which answers at once, DELAY, which waits 0.5–5 s before every GET,
// and ERROR, which waits 0.5 s and answers 418 I'm a teapot to a quarter of
// them. With no arguments it serves the data set generated into the program
// (a GIF and a metadata.json for each of 194 countries):
//
//	$ testserver
//	LOCAL http://127.0.0.1:8000/flags
//	DELAY http://127.0.0.1:8001/flags
//	ERROR http://127.0.0.1:8002/flags
//
// It prints one line per server on stdout once that server accepts
// connections, logs one line per request on stderr (unless --quiet), and
// stops cleanly on Ctrl-C or SIGTERM: waits in progress are cut short and
// their clients get 503.
//
// It reads the data set into memory at start and serves each file as a
// response rendered once (see site.Server), which makes it faster than
// nginx at serving the flags; a change to a --data folder is seen at the
// next start.
//
// Usage:
//
//	testserver [-h] [--bind ADDR] [--only LABEL[,LABEL]] [--data PATH] [--seed N [--seed-by request|path]] [-q] [OPTIONS]
//
// Options:
//
//	--bind ADDR           address to listen on (default 127.0.0.1)
//	--local-port N        LOCAL's port (default 8000); 0 picks a free one
//	--delay-port N        DELAY's port (default 8001)
//	--error-port N        ERROR's port (default 8002)
//	--only LABEL[,LABEL]  run only these servers: LOCAL, DELAY, ERROR
//	--data PATH           serve a folder or a .zip laid out as flags/<cc>/…
//	--min-delay D         DELAY's shortest wait (default 0.5s)
//	--max-delay D         DELAY's longest wait (default 5s)
//	--error-rate R        ERROR's share of failed GETs (default 0.25)
//	--error-delay D       ERROR's wait before every GET (default 0.5s)
//	--error-status N      ERROR's failure status (default 418)
//	--seed N              same seed, same sequence of delays and errors
//	--seed-by request|path  with --seed, what picks a GET's fate besides the
//	                      seed: its number in arrival order (the default), or its
//	                      URL path, so the same files wait and fail on every run
//	                      whatever order requests arrive in (and a retry of a
//	                      failed file fails again)
//	-q, --quiet           no request log
//
// Routes, under each server's /flags: GET or HEAD of /flags/ (a listing),
// /flags/<cc>/<cc>.gif and /flags/<cc>/metadata.json; anything else is 404.
// The handlers are in package flagsuite/testserver/site, so that tests can
// run the same servers in-process.
package main
