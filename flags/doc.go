// Command flags is the simplest flag downloader, after flags.py,
// flags_threadpool.py and flags_asyncio.py in Fluent Python: it fetches the
// flags of the 20 most populous countries, prints each code as its file is
// saved, then how long it took.
//
//	flags [--strategy sequential|pool|loop] [-s LABEL|URL] [-m N] [--dest DIR]
//
// The three strategies are written out in full, one file each, to be read
// side by side: sequential.go, pool.go and loop.go. There is no error
// handling beyond a one-line message and exit status 1 on the first error;
// flags2 is the client that counts errors.
package main
