package proxy

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"flagsuite/chaos/fault"
)

// serveTCP relays one connection in TCP mode: it draws the connection's
// fate, dials the backend, then copies both ways untouched (with splice(2)
// where the OS has it) for as long as no toxic fires for it, and runs the
// toxics' stages from the moment one does, even if that is later: adding a
// toxic reaches open connections, as in Toxiproxy.
func (p *Proxy) serveTCP(ctx context.Context, client net.Conn) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	k := p.seq.Add(1)
	f := p.draw(k, "")
	stop := context.AfterFunc(ctx, func() { client.Close() })
	defer stop()
	backend, err := p.dial(ctx)
	if err != nil {
		client.Close() // a refused backend is a closed connection, never a stall
		return
	}
	defer client.Close()
	defer backend.Close()
	context.AfterFunc(ctx, func() { backend.Close() })
	l := &link{p: p, client: client, backend: backend, ctx: ctx, cancel: cancel, fate: f, k: k,
		counted: map[string]bool{}, updated: make(chan struct{}, 1)}
	p.linksMu.Lock()
	p.links[l] = struct{}{}
	p.linksMu.Unlock()
	defer func() {
		p.linksMu.Lock()
		delete(p.links, l)
		p.linksMu.Unlock()
		l.applied(fault.Both, ^uint64(0)) // a change need not wait for it
	}()
	for {
		set, g, changed := p.current()
		if l.firesAny(set) {
			break
		}
		l.applied(fault.Both, g)
		if !l.relayPlain(changed) {
			return
		}
	}
	l.run()
}

// applied records that direction dir runs the toxics of generation g.
func (l *link) applied(dir fault.Direction, g uint64) {
	if dir&fault.Upstream != 0 {
		l.genUp.Store(g)
	}
	if dir&fault.Downstream != 0 {
		l.genDown.Store(g)
	}
	select {
	case l.updated <- struct{}{}:
	default:
	}
}

// waitApplied waits until both directions run generation g or later, or
// timeout fires (false).
func (l *link) waitApplied(g uint64, timeout <-chan time.Time) bool {
	for min(l.genUp.Load(), l.genDown.Load()) < g {
		select {
		case <-l.updated:
		case <-timeout:
			return false
		}
	}
	return true
}

// link is a TCP connection pair; once a toxic fires for it, it runs stages.
// Per direction:
//
//	src ──read──▶ in ──▶ stage ──▶ stage ──▶ … ──▶ writer ──▶ dst
//	                                                  ▲
//	                        toxics changed: interrupt ┘ the stages, collect
//	                        what they held, build the new ones, go on
//
// Stages own the chunks they receive; channels hold a few chunks each,
// which bounds memory per connection.
type link struct {
	p               *Proxy
	client, backend net.Conn
	ctx             context.Context
	cancel          context.CancelFunc
	fate            fate
	k               uint64
	resetOnce       sync.Once
	workers         sync.WaitGroup // readers and stages, which end once ctx does

	mu      sync.Mutex      // guards counted
	counted map[string]bool // toxics counted (and logged) on this connection

	genUp, genDown atomic.Uint64 // the generation of toxics each direction runs
	updated        chan struct{} // signalled when one of them moves
}

func (l *link) Close() { l.cancel() }

func (l *link) Reset() {
	l.resetOnce.Do(func() { resetConn(l.client) })
	l.cancel()
}

// firesAny reports whether a TCP toxic of set fires for this connection.
func (l *link) firesAny(set *fault.Set) bool {
	for _, b := range set.Built() {
		if len(b.TCP) > 0 && b.Fires(l.fate.u) {
			return true
		}
	}
	return false
}

// relayPlain copies both ways, passing half-closes on, until the
// connection ends (false) or a change of toxics makes one fire for it
// (true): then it stops both copies with a read deadline in the past, which
// loses no byte (a copy returns after writing what it read), and hands over
// to the stages. Once one side has finished sending, the other gets the
// idle timeout to finish too, so a peer that ignores the half-close cannot
// hold the connection for ever.
func (l *link) relayPlain(changed <-chan struct{}) bool {
	var switching atomic.Bool
	idle := l.p.cfg.IdleTimeout
	done := make(chan struct{})
	copies := make(chan struct{})
	go func() {
		defer close(copies)
		if l.copyHalf(l.backend, l.client, &switching, &l.p.stats.bytesUp) && idle > 0 && !switching.Load() {
			l.backend.SetReadDeadline(time.Now().Add(idle))
		}
	}()
	go func() {
		defer close(done)
		for {
			select {
			case <-changed:
			case <-copies:
				return
			}
			var set *fault.Set
			var g uint64
			set, g, changed = l.p.current()
			if !l.firesAny(set) {
				l.applied(fault.Both, g)
			} else {
				switching.Store(true)
				past := time.Unix(1, 0)
				l.client.SetReadDeadline(past)
				l.backend.SetReadDeadline(past)
				<-copies
				return
			}
		}
	}()
	if l.copyHalf(l.client, l.backend, &switching, &l.p.stats.bytesDown) && idle > 0 && !switching.Load() {
		l.client.SetReadDeadline(time.Now().Add(idle))
	}
	<-copies
	<-done
	if !switching.Load() {
		return false
	}
	l.client.SetReadDeadline(time.Time{})
	l.backend.SetReadDeadline(time.Time{})
	return true
}

// copyHalf copies src to dst until src ends; it reports whether src ended
// cleanly (EOF), in which case dst is half-closed. A copy stopped to switch
// to stages closes nothing.
func (l *link) copyHalf(dst, src net.Conn, switching *atomic.Bool, bytes *atomic.Int64) bool {
	n, err := io.Copy(dst, src)
	bytes.Add(n)
	if err == nil {
		closeWrite(dst)
		return true
	}
	if switching.Load() && errors.Is(err, os.ErrDeadlineExceeded) {
		return false
	}
	dst.Close()
	src.Close()
	return false
}

// closeWriter is a connection that can send its end (a FIN) and still read.
type closeWriter interface{ CloseWrite() error }

func closeWrite(c net.Conn) {
	if cw, ok := c.(closeWriter); ok {
		cw.CloseWrite()
	} else {
		c.Close()
	}
}

const (
	chunkSize  = 16 << 10 // one read from a socket
	stageQueue = 2        // chunks buffered between stages
)

func (l *link) run() {
	upDone, downDone := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		l.pipe(l.client, l.backend, fault.Upstream, upDone, downDone, &l.p.stats.bytesUp)
	}()
	go func() {
		defer wg.Done()
		l.pipe(l.backend, l.client, fault.Downstream, downDone, upDone, &l.p.stats.bytesDown)
	}()
	wg.Wait()
	l.cancel()
	l.workers.Wait()
}

// stage is one TCP fault of a toxic, placed in a direction's pipeline.
type stage struct {
	toxic *fault.Built
	f     fault.TCPFault
	n     int // which fault of the toxic's type
}

// stages returns the stages of direction dir for set: the faults of the
// toxics that fire for this connection, in order. It counts and logs each
// toxic once per connection, when it first fires.
func (l *link) stages(set *fault.Set, dir fault.Direction) []stage {
	var out []stage
	for _, b := range set.Built() {
		if len(b.TCP) == 0 || b.Dir&dir == 0 || !b.Fires(l.fate.u) {
			continue
		}
		l.count(b)
		for i, f := range b.TCP {
			out = append(out, stage{b, f, i})
		}
	}
	return out
}

func (l *link) count(b *fault.Built) {
	l.mu.Lock()
	first := !l.counted[b.Name]
	l.counted[b.Name] = true
	l.mu.Unlock()
	if !first {
		return
	}
	l.p.stats.fault(b.Name, b.Type)
	if lg := l.p.cfg.Logger; lg != nil {
		lg.LogAttrs(l.ctx, slog.LevelInfo, "fault",
			slog.String("proxy", l.p.cfg.Name), slog.String("fault", b.Name), slog.String("type", b.Type),
			slog.String("stream", b.Stream), slog.Uint64("connection", l.k), slog.String("client", l.client.RemoteAddr().String()))
	}
}

// pipe runs one direction until its stream ends. srcDone is closed when src
// stops sending; peerDone when dst does (the other direction's source).
func (l *link) pipe(src, dst net.Conn, dir fault.Direction, srcDone, peerDone chan struct{}, bytes *atomic.Int64) {
	ctx := l.ctx
	defer l.applied(dir, ^uint64(0)) // an ended direction takes every change
	in := make(chan fault.Chunk, latencyBuffer)
	l.workers.Add(1)
	go func() {
		defer l.workers.Done()
		defer close(srcDone)
		defer close(in)
		for {
			buf := make([]byte, chunkSize)
			n, err := src.Read(buf)
			if n > 0 {
				select {
				case in <- fault.Chunk{Data: buf[:n], At: time.Now()}:
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				if !errors.Is(err, io.EOF) {
					l.Close() // a reset or error on one side ends both
				}
				return
			}
		}
	}()
	counts := map[string]*int64{} // each toxic's tally on this direction, across rebuilds
	var left []fault.Chunk        // bytes held by the stages of the last generation, in order
	for {
		set, gen, changed := l.p.current()
		g := l.start(set, dir, in, left, peerDone, counts)
		l.applied(dir, gen)
		left = nil
		for _, c := range g.direct {
			if !l.write(dst, c, bytes) {
				g.stop()
				return
			}
		}
		g.direct = nil
		rebuild := false
		for !rebuild {
			select {
			case c, ok := <-g.out:
				if !ok {
					g.wait()
					if g.closeLink.Load() {
						l.Close()
					} else {
						closeWrite(dst)
					}
					return
				}
				if !l.write(dst, c, bytes) {
					g.stop()
					return
				}
			case <-changed:
				rebuild = true
			case <-ctx.Done():
				g.stop()
				return
			}
		}
		left = g.stop()
		if g.closeLink.Load() {
			for _, c := range left {
				l.write(dst, c, bytes)
			}
			l.Close()
			return
		}
		next, _, _ := l.p.current()
		for _, st := range g.stages {
			if _, still := next.Get(st.toxic.Name); !still && st.toxic.ClosesOnRemove {
				l.Close() // as Toxiproxy: the data it dropped is gone, the connection cannot go on
				return
			}
		}
	}
}

// latencyBuffer is the reader's channel: enough chunks for a latency stage
// to hold a bandwidth-delay product's worth while the reader goes on.
const latencyBuffer = 32

func (l *link) write(dst net.Conn, c fault.Chunk, bytes *atomic.Int64) bool {
	if len(c.Data) == 0 {
		return true
	}
	n, err := dst.Write(c.Data)
	bytes.Add(int64(n))
	if err != nil {
		l.Close()
		return false
	}
	return true
}

// generation is one build of a direction's stages.
type generation struct {
	stages    []stage
	streams   []*fault.Stream
	chans     []chan fault.Chunk // chans[i] is stage i's output
	out       <-chan fault.Chunk // what the writer reads
	direct    []fault.Chunk      // held bytes to write first when there is no stage
	interrupt context.CancelFunc
	wg        sync.WaitGroup
	closeLink atomic.Bool // a stage ended the connection
}

// start builds and runs the stages of dir for set, fed first with left
// (bytes the previous stages held) and then with in.
func (l *link) start(set *fault.Set, dir fault.Direction, in <-chan fault.Chunk, left []fault.Chunk, peerDone chan struct{}, counts map[string]*int64) *generation {
	g := &generation{stages: l.stages(set, dir)}
	gctx, cancel := context.WithCancel(l.ctx)
	g.interrupt = cancel
	if len(g.stages) == 0 {
		g.out, g.direct = in, left
		return g
	}
	cur := in
	a, _ := l.fate.source(l.k)
	for i, st := range g.stages {
		size := stageQueue
		if i+1 < len(g.stages) && g.stages[i+1].toxic.Buffer > 0 {
			size = g.stages[i+1].toxic.Buffer
		}
		out := make(chan fault.Chunk, size)
		s := fault.NewStream(cur, out, gctx.Done(), left)
		left = nil
		s.Dir, s.Link, s.PeerDone = dir, l, peerDone
		s.Rand = rand.New(rand.NewPCG(a^st.toxic.Key(), uint64(dir)<<8|uint64(st.n)))
		key := st.toxic.Name + "/" + string(rune('0'+st.n))
		if counts[key] == nil {
			counts[key] = new(int64)
		}
		s.Count = counts[key]
		g.streams = append(g.streams, s)
		g.chans = append(g.chans, out)
		g.wg.Add(1)
		l.workers.Add(1)
		go func() {
			defer l.workers.Done()
			defer g.wg.Done()
			err := st.f.Run(gctx, s)
			if errors.Is(err, fault.ErrInterrupted) && gctx.Err() != nil {
				return // the link collects what it held; out stays open
			}
			if errors.Is(err, fault.ErrCloseLink) {
				g.closeLink.Store(true)
			}
			close(out)
		}()
		cur = out
	}
	g.out = cur
	return g
}

// wait waits for the stages to end.
func (g *generation) wait() {
	g.interrupt()
	g.wg.Wait()
}

// stop interrupts the stages and returns the bytes they held, in the
// stream's order: what reached the last channel first, then what the last
// stage held, then the channel before it, and so on back to the first.
func (g *generation) stop() []fault.Chunk {
	g.wait()
	var left []fault.Chunk
	for i := len(g.stages) - 1; i >= 0; i-- {
		left = append(left, drain(g.chans[i])...)
		left = append(left, g.streams[i].Left()...)
	}
	return append(left, g.direct...)
}

// drain takes what a channel holds without waiting.
func drain(ch chan fault.Chunk) []fault.Chunk {
	var out []fault.Chunk
	for {
		select {
		case c, ok := <-ch:
			if !ok {
				return out
			}
			out = append(out, c)
		default:
			return out
		}
	}
}
