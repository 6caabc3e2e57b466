// Command flags3 downloads, for each country code, the flag image and its
// metadata.json, and saves the image under the country's name, after
// flags3_*.py in Fluent Python:
//
//	DEST/<Country_Name>-<CC>.gif
//
// It has the command line, strategies, progress bar, reports, retries and
// --json of flags2; the JSON results also carry "country". The semaphore of
// the loop strategy is held separately for each of the two requests, never
// across both and never while writing to disk, so -m counts requests, not
// codes, and is capped at twice the codes. Under loop the two requests go out
// together (--order parallel, the default: one round trip per code) or, with
// --order book, image first and metadata only for a found image (the book's
// order: no request wasted on the many missing codes of -e). A 404 on either request makes the code "not found"; any other
// failure of either request, or metadata that is not valid JSON, has no
// country or names another code, makes it an error, and no file is written.
package main
