// Package wire reads the framing of HTTP/1.x messages — request and response
// heads and the extent of their bodies — without rewriting a byte, so that a
// proxy can forward exactly what it received and still know where each
// message ends on a keep-alive connection.
//
// It is deliberately smaller than net/http: it keeps each head as the raw
// bytes that arrived, parses only the fields that decide framing and
// connection reuse (Content-Length, Transfer-Encoding, Connection), and
// relays bodies as they are framed on the wire (a chunked body stays
// chunked). It rejects what would let a proxy and a backend disagree on
// where a message ends: both Content-Length and Transfer-Encoding,
// conflicting lengths, obsolete line folding, bad chunk sizes.
package wire
