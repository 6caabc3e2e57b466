// Package fault holds the faults the chaos proxy injects, one small type per
// file in the manner of Toxiproxy's toxics/, and the toxics that put them on
// a proxy (Toxic, Set): Toxiproxy's model, in which each toxic has its own
// chance, stream and attributes.
//
// There are two families. HTTP faults act on one request/response exchange
// through an Exchange that the proxy implements (answer with an error, delay,
// hang, cut the body, …); they compose as middleware, each calling next to go
// on, and the innermost next forwards the request untouched. TCP faults act
// on a byte stream: each runs as one stage of a pipeline of chunk channels,
// per direction, so a latency stage can delay chunks without slowing the
// stream down, as in Toxiproxy's link. A TCP fault knows nothing of
// directions: its toxic's stream says where the link places it.
//
// A Set is immutable: the proxy swaps a whole new Set in when toxics change
// (an atomic pointer), so traffic never waits on the control API.
package fault

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"flagsuite/chaos/wire"
)

// Protocol is the level a proxy works at.
type Protocol string

const (
	HTTP Protocol = "http" // parse requests; one fate per request
	TCP  Protocol = "tcp"  // relay bytes; one fate per connection
	Any  Protocol = "auto" // decided by the toxics (a proxy), or both levels (a kind: noop)
)

// Handler serves one HTTP exchange.
type Handler func(ctx context.Context, x Exchange) error

// HTTPFault injects a fault into one HTTP exchange. Serve either answers (or
// breaks) the exchange itself or calls next to let the rest of the chain,
// and finally the backend, handle it.
type HTTPFault interface {
	Serve(ctx context.Context, x Exchange, next Handler) error
}

// BodyFilter changes the response body on its way to the client; it gets
// the response head for its framing (Mode, Length).
type BodyFilter func(resp *wire.Response, body io.Reader) io.Reader

// Exchange is one request on a client connection as an HTTP fault sees it.
// It is used by one goroutine at a time.
type Exchange interface {
	Request() *wire.Request
	RemoteAddr() string
	// Rand is this exchange's source: seeded from (seed, request) or
	// (seed, path) with --seed, so fault parameters repeat too.
	Rand() *rand.Rand

	// Pass forwards the request to the backend and relays the response
	// through the installed filters; it answers 502 when the backend
	// cannot be reached.
	Pass(ctx context.Context) error
	// Forward sends the request to the backend and reads the response head,
	// for faults that then drop the response instead of relaying it.
	Forward(ctx context.Context) (*wire.Response, error)
	// Reply answers the client without contacting the backend.
	Reply(status int, header http.Header, body string) error
	// Hang keeps the connection open without answering until the client
	// leaves, ctx ends, or max elapses (max 0: no limit), then closes it.
	Hang(ctx context.Context, max time.Duration) error
	// Close closes the client connection without answering (FIN).
	Close() error
	// Reset aborts the client connection with a TCP RST.
	Reset() error

	// FilterBody installs a body filter for the response Pass relays; the
	// connection is closed after that response, since its framing no
	// longer holds.
	FilterBody(BodyFilter)
	// WrapWriter wraps the writer Pass writes the response to.
	WrapWriter(func(io.Writer) io.Writer)

	// Skip says the fault let this exchange through untouched: it is not
	// counted or logged as injected.
	Skip()
	// Note adds attributes to the exchange's log line.
	Note(attrs ...slog.Attr)
}

// Direction is one of the two byte streams of a TCP connection.
type Direction uint8

const (
	Upstream   Direction = 1 << iota // client to backend
	Downstream                       // backend to client
	Both       = Upstream | Downstream
)

func (d Direction) String() string {
	switch d {
	case Upstream:
		return "upstream"
	case Downstream:
		return "downstream"
	case Both:
		return "both"
	}
	return "none"
}

// Chunk is a piece of a stream and when the proxy read it, so that latency
// counts from arrival and not from when a stage got to it.
type Chunk struct {
	Data []byte
	At   time.Time
}

// Link is the connection pair a TCP fault may end.
type Link interface {
	Close() // close both sides (FIN)
	Reset() // abort the client side with RST, close the backend side
}

// ErrCloseLink, returned by a TCP fault's Run, ends its stream and closes
// the whole connection once what the stage sent has been written.
var ErrCloseLink = errors.New("close the link")

// TCPFault is one stage in a TCP link pipeline. Run forwards (or holds,
// drops, reshapes) chunks from the stream's input to its output until the
// input ends (return nil), the stage is interrupted (return
// ErrInterrupted, having kept whatever it held with Keep), or it decides
// to end the connection.
type TCPFault interface {
	Run(ctx context.Context, s *Stream) error
}
