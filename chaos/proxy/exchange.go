package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/bits"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"flagsuite/chaos/fault"
	"flagsuite/chaos/wire"
)

// exchange is the fault.Exchange of one request; it lives in its httpConn
// and is reset for every request, so a pass allocates nothing for it.
type exchange struct {
	c     *httpConn
	k     uint64
	fate  fate
	start time.Time

	// The toxics that fired for this request, and their faults in the
	// order they run; bit i of the masks is firing[i].
	firing  []*fault.Built
	steps   []step
	pos     int    // the next step to run
	cur     int    // the toxic whose fault runs now
	entered uint64 // toxics whose faults ran
	skips   uint64 // toxics that let the request through untouched (Skip)
	counted uint64 // toxics in the stats already
	nextFn  fault.Handler

	seeded      bool // c.pcg holds this exchange's seed
	forwarded   bool
	wrote       bool // a response (or its start) went to the client
	bodyStarted bool // bytes of the request body went to the backend
	closeConn   bool // close the client connection after this exchange
	abandoned   bool // the client connection is closed already
	dropBackend bool // the backend connection cannot be reused
	plain       bool // Pass relays the response unchanged: no filter, wrapper or tag
	headLeft    int  // the response head is still at the start of c.bbr, this long
	status      int

	filters  []fault.BodyFilter
	wrappers []func(io.Writer) io.Writer
	notes    []slog.Attr
	headBuf  []byte
}

// step is one fault of a firing toxic.
type step struct {
	toxic int // index in firing
	f     fault.HTTPFault
}

func (x *exchange) begin(k uint64, f fate, set *fault.Set) {
	*x = exchange{
		c: x.c, k: k, fate: f, nextFn: x.nextFn,
		firing: x.firing[:0], steps: x.steps[:0],
		filters: x.filters[:0], wrappers: x.wrappers[:0], notes: x.notes[:0], headBuf: x.headBuf[:0],
	}
	for _, b := range set.Built() {
		if len(b.HTTP) == 0 || !b.Fires(f.u) {
			continue
		}
		for _, hf := range b.HTTP {
			x.steps = append(x.steps, step{len(x.firing), hf})
		}
		x.firing = append(x.firing, b)
	}
	if len(x.steps) > 0 {
		x.start = time.Now()
	}
}

// serveNext runs the next fault of the toxics that fired, in order, each
// calling it again to go on; after the last, the request passes.
func (x *exchange) serveNext(ctx context.Context, _ fault.Exchange) error {
	if x.pos == len(x.steps) {
		return x.Pass(ctx)
	}
	s := x.steps[x.pos]
	x.pos++
	x.cur = s.toxic
	x.entered |= 1 << s.toxic
	return s.f.Serve(ctx, x, x.nextFn)
}

// injected is the mask of the toxics that acted on this request.
func (x *exchange) injected() uint64 { return x.entered &^ x.skips }

// names joins the names of the toxics of mask m with "+".
func (x *exchange) names(m uint64) string {
	var b []byte
	for i, t := range x.firing {
		if m&(1<<i) != 0 {
			if len(b) > 0 {
				b = append(b, '+')
			}
			b = append(b, t.Name...)
		}
	}
	return string(b)
}

var _ fault.Exchange = (*exchange)(nil)

func (x *exchange) Request() *wire.Request { return &x.c.req }
func (x *exchange) RemoteAddr() string     { return x.c.remote }

func (x *exchange) Rand() *rand.Rand {
	if !x.seeded {
		x.c.pcg.Seed(x.fate.source(x.k))
		x.seeded = true
	}
	return x.c.rnd
}

func (x *exchange) Skip()                   { x.skips |= 1 << x.cur }
func (x *exchange) Note(attrs ...slog.Attr) { x.notes = append(x.notes, attrs...) }

func (x *exchange) FilterBody(f fault.BodyFilter) { x.filters = append(x.filters, f) }

func (x *exchange) WrapWriter(f func(io.Writer) io.Writer) { x.wrappers = append(x.wrappers, f) }

// tagged reports whether responses carry X-Chaos-Fault.
func (x *exchange) tagged() bool { return x.c.p.cfg.Tag && x.injected() != 0 }

// writer is the client connection seen through the installed wrappers.
// net.Conn is hidden behind a plain Write so no io.Copy ever allocates
// its own buffer.
func (x *exchange) writer() io.Writer {
	w := x.c.cw
	for _, wrap := range x.wrappers {
		w = wrap(w)
	}
	return w
}

// countingWriter is the client connection as response writers see it: a
// plain Write (so no io.Copy allocates a buffer of its own) that counts the
// bytes sent.
type countingWriter struct {
	w io.Writer
	n *atomic.Int64
}

func (cw countingWriter) Write(p []byte) (int, error) {
	n, err := cw.w.Write(p)
	cw.n.Add(int64(n))
	return n, err
}

// Pass implements fault.Exchange.
func (x *exchange) Pass(ctx context.Context) error {
	x.plain = len(x.filters) == 0 && len(x.wrappers) == 0 && !x.tagged()
	resp, err := x.Forward(ctx)
	if err != nil {
		var be *backendError
		if errors.As(err, &be) && !x.wrote {
			return x.badGateway(be)
		}
		return err
	}
	return x.send(resp)
}

// Forward implements fault.Exchange. A backend connection found closed
// (the backend dropped it while idle) is dialled again once, when the
// request had no body yet sent.
func (x *exchange) Forward(ctx context.Context) (*wire.Response, error) {
	c := x.c
	if x.forwarded {
		return nil, errors.New("request already forwarded")
	}
	x.forwarded = true
	for attempt := 0; ; attempt++ {
		reused := c.backend != nil
		if !reused {
			b, err := c.p.dial(ctx)
			if err != nil {
				return nil, &backendError{err}
			}
			if err := c.setBackend(b); err != nil {
				return nil, &clientError{err}
			}
		}
		err := c.roundTrip()
		if err == nil {
			return &c.resp, nil
		}
		c.closeBackend()
		var ce *clientError
		if errors.As(err, &ce) {
			return nil, err
		}
		if !reused || attempt > 0 || x.bodyStarted || ctx.Err() != nil || !retryable(err) {
			return nil, &backendError{err}
		}
	}
}

// send relays the response whose head Forward read, through the filters
// and writer wrappers. Without filters the head and the body bytes already
// buffered go out in one write.
func (x *exchange) send(resp *wire.Response) error {
	c := x.c
	body := resp.Body(c.bbr, &c.respBody)
	head := resp.Head
	if x.tagged() {
		x.headBuf = wire.AddHeader(x.headBuf[:0], head, "X-Chaos-Fault", x.names(x.injected()))
		head = x.headBuf
	}
	x.status = resp.Status
	c.stats.status(resp.Status)
	x.count()
	x.wrote = true
	if len(x.filters) == 0 && len(x.wrappers) == 0 && resp.Mode == wire.Length {
		return x.sendLength(head, body)
	}
	w := x.writer()
	if resp.Status == 101 {
		if _, err := w.Write(head); err != nil {
			return &clientError{err}
		}
		x.abandoned = true
		return c.tunnel()
	}
	var r io.Reader = body
	for _, f := range x.filters {
		r = f(resp, r)
	}
	if _, err := w.Write(head); err != nil {
		return &clientError{err}
	}
	for {
		n, rerr := r.Read(c.buf)
		if n > 0 {
			if _, err := w.Write(c.buf[:n]); err != nil {
				return &clientError{err}
			}
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			// The response is half sent: all the client can learn is the
			// connection closing.
			return &backendError{rerr}
		}
	}
	x.afterSend(resp, body)
	return nil
}

func (x *exchange) afterSend(resp *wire.Response, body *wire.Body) {
	if !body.Done() || resp.Close || x.dropBackend {
		x.c.closeBackend()
	}
	if !body.Done() || resp.Close {
		// A cut body, or a backend that closes: the client must see the
		// end of the connection.
		x.closeConn = true
	}
}

// sendLength relays an unfiltered response of known length, the common
// case, with as few copies and system calls as the io.Copy relay it must
// keep up with: the head and the body bytes already read go out in one
// write (straight from the backend reader's buffer when the head is still
// there), and the rest is spliced from socket to socket where the OS can.
func (x *exchange) sendLength(head []byte, body *wire.Body) error {
	c := x.c
	resp := &c.resp
	if x.headLeft > 0 {
		// The head is still in the backend reader, followed by what came
		// of the body: both go out from there in one write, uncopied.
		n := x.headLeft + int(min(int64(c.bbr.Buffered()-x.headLeft), body.Remaining()))
		p, _ := c.bbr.Peek(n) // buffered: cannot fail
		if err := c.writeClient(p); err != nil {
			return &clientError{err}
		}
		c.bbr.Discard(n)
		body.Advance(int64(n - x.headLeft))
		x.headLeft = 0
	} else if err := x.sendStart(head, body); err != nil {
		return err
	}
	if rest := body.Remaining(); rest >= spliceMin && c.bbr.Buffered() == 0 {
		ctcp, ok1 := c.client.(*net.TCPConn)
		btcp, ok2 := c.backend.(*net.TCPConn)
		if ok1 && ok2 {
			n, err := ctcp.ReadFrom(&io.LimitedReader{R: btcp, N: rest})
			body.Advance(n)
			c.stats.bytesDown.Add(n)
			if err != nil {
				return &clientError{err}
			}
			if n < rest {
				return &backendError{io.ErrUnexpectedEOF}
			}
		}
	}
	for !body.Done() {
		n, rerr := body.Read(c.buf)
		if n > 0 {
			if err := c.writeClient(c.buf[:n]); err != nil {
				return &clientError{err}
			}
		}
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return &backendError{rerr}
		}
	}
	x.afterSend(resp, body)
	return nil
}

// sendStart writes the response head and the body bytes already read in
// one write, copied together into the relay buffer.
func (x *exchange) sendStart(head []byte, body *wire.Body) error {
	c := x.c
	if len(head) > len(c.buf)/2 {
		if err := c.writeClient(head); err != nil {
			return &clientError{err}
		}
		head = nil
	}
	out := append(c.buf[:0], head...)
	n := min(int64(c.bbr.Buffered()), body.Remaining(), int64(len(c.buf)-len(out)))
	m, err := io.ReadFull(body, c.buf[len(out):len(out)+int(n)])
	out = out[:len(out)+m]
	if len(out) > 0 {
		if werr := c.writeClient(out); werr != nil {
			return &clientError{werr}
		}
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return &backendError{err}
	}
	return nil
}

// Reply implements fault.Exchange.
func (x *exchange) Reply(status int, h http.Header, body string) error {
	c := x.c
	if x.wrote {
		return errors.New("response already sent")
	}
	x.wrote = true
	if c.req.Expect100 && c.req.HasBody() && !x.bodyStarted {
		x.closeConn = true // the client may or may not send the body now
	}
	b := x.headBuf[:0]
	b = fmt.Appendf(b, "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ", status, http.StatusText(status))
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\n"...)
	for k, vs := range h {
		for _, v := range vs {
			b = append(b, k...)
			b = append(b, ": "...)
			b = append(b, v...)
			b = append(b, "\r\n"...)
		}
	}
	if x.tagged() {
		b = append(b, "X-Chaos-Fault: "...)
		b = append(b, x.names(x.injected())...)
		b = append(b, "\r\n"...)
	}
	if x.closeConn || c.req.Close {
		b = append(b, "Connection: close\r\n"...)
	}
	b = append(b, "\r\n"...)
	if c.req.Method != "HEAD" {
		b = append(b, body...)
	}
	x.headBuf = b
	x.status = status
	c.stats.status(status)
	x.count()
	if _, err := x.writer().Write(b); err != nil {
		return &clientError{err}
	}
	return nil
}

func (x *exchange) badGateway(be *backendError) error {
	return x.Reply(http.StatusBadGateway, nil, "chaos: backend "+x.c.p.cfg.Backend+": "+be.err.Error()+"\n")
}

// Hang implements fault.Exchange: it reads and drops whatever the client
// sends until the client leaves, the proxy closes, or max elapses.
func (x *exchange) Hang(ctx context.Context, max time.Duration) error {
	c := x.c
	x.abandoned = true
	x.count()
	var deadline time.Time
	if max > 0 {
		deadline = time.Now().Add(max)
	}
	c.client.SetReadDeadline(deadline)
	io.Copy(io.Discard, c.cbr)
	return c.client.Close()
}

// Close implements fault.Exchange.
func (x *exchange) Close() error {
	x.abandoned = true
	x.count()
	return x.c.client.Close()
}

// Reset implements fault.Exchange.
func (x *exchange) Reset() error {
	x.abandoned = true
	x.count()
	return resetConn(x.c.client)
}

// resetConn closes c with an RST where it can (TCP), a plain close elsewhere.
func resetConn(c net.Conn) error {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	return c.Close()
}

// count puts the fault in the stats once, before the client can see its
// effect, so a client that counts what it saw agrees with /stats at once.
func (x *exchange) count() {
	for m := x.injected() &^ x.counted; m != 0; m &= m - 1 {
		i := bits.TrailingZeros64(m)
		x.c.p.stats.fault(x.firing[i].Name, x.firing[i].Type)
	}
	x.counted |= x.injected()
}

// finish counts (if nothing did yet) and logs an injected fault once its
// exchange is over.
func (x *exchange) finish(err error) {
	p := x.c.p
	x.count()
	if x.injected() == 0 {
		return
	}
	if p.cfg.Logger == nil {
		return
	}
	attrs := make([]slog.Attr, 0, 10+len(x.notes))
	attrs = append(attrs,
		slog.String("proxy", p.cfg.Name),
		slog.String("fault", x.names(x.injected())),
		slog.Uint64("request", x.k),
		slog.String("client", x.c.remote),
		slog.String("method", x.c.req.Method),
		slog.String("target", x.c.req.Target),
	)
	if x.status > 0 {
		attrs = append(attrs, slog.Int("status", x.status))
	}
	attrs = append(attrs, x.notes...)
	attrs = append(attrs, slog.Float64("elapsed_ms", float64(time.Since(x.start))/float64(time.Millisecond)))
	if err != nil && !errors.Is(err, context.Canceled) {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	p.cfg.Logger.LogAttrs(context.Background(), slog.LevelInfo, "fault", attrs...)
}
