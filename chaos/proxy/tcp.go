package proxy

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	"flagsuite/chaos/fault"
)

// serveTCP relays one connection in TCP mode: it draws the connection's
// fate, dials the backend, then either copies both ways untouched (with
// splice(2) where the OS has it) or runs the fault pipeline.
func (p *Proxy) serveTCP(client net.Conn) {
	ctx, cancel := context.WithCancel(p.ctx)
	defer cancel()
	k := p.seq.Add(1)
	p.stats.connections.Add(1)
	f := p.draw(k, "")
	b := p.plan.Load().Pick(f.u)
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
	if b == nil {
		relayPlain(client, backend, p.cfg.IdleTimeout)
		return
	}
	p.stats.fault(b.Name)
	if p.cfg.Logger != nil {
		p.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "fault",
			slog.String("proxy", p.cfg.Name), slog.String("fault", b.Name),
			slog.Uint64("connection", k), slog.String("client", client.RemoteAddr().String()))
	}
	l := &link{client: client, backend: backend, ctx: ctx, cancel: cancel}
	l.run(b.TCP, f, k)
}

// relayPlain copies both ways and passes half-closes on; an error on either
// side ends both. Once one side has finished sending, the other gets the
// idle timeout to finish too, so a peer that ignores the half-close cannot
// hold the connection for ever.
func relayPlain(client, backend net.Conn, idle time.Duration) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		if copyHalf(backend, client) && idle > 0 {
			backend.SetReadDeadline(time.Now().Add(idle))
		}
	}()
	if copyHalf(client, backend) && idle > 0 {
		client.SetReadDeadline(time.Now().Add(idle))
	}
	<-done
}

// copyHalf copies src to dst until src ends; it reports whether src ended
// cleanly (EOF), in which case dst is half-closed.
func copyHalf(dst, src net.Conn) bool {
	_, err := io.Copy(dst, src)
	if err != nil {
		dst.Close()
		src.Close()
		return false
	}
	closeWrite(dst)
	return true
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

// link is a TCP connection pair running fault stages. Per direction:
//
//	src ──read──▶ chunk chan ──▶ fault ──▶ fault ──▶ … ──write──▶ dst
//
// Stages own the chunks they receive; channels hold at most stageQueue
// chunks each, which bounds memory per connection.
type link struct {
	client, backend net.Conn
	ctx             context.Context
	cancel          context.CancelFunc
	resetOnce       sync.Once
	workers         sync.WaitGroup // readers and stages, which end once ctx does
}

func (l *link) Close() { l.cancel() }

func (l *link) Reset() {
	l.resetOnce.Do(func() { resetConn(l.client) })
	l.cancel()
}

func (l *link) run(stages []fault.TCPFault, f fate, k uint64) {
	upDone, downDone := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		l.pipe(l.client, l.backend, fault.Upstream, stages, f, k, upDone, downDone)
	}()
	go func() {
		defer wg.Done()
		l.pipe(l.backend, l.client, fault.Downstream, stages, f, k, downDone, upDone)
	}()
	wg.Wait()
	l.cancel()
	l.workers.Wait()
}

// pipe runs one direction. srcDone is closed when src stops sending;
// peerDone when dst does (the other direction's source).
func (l *link) pipe(src, dst net.Conn, dir fault.Direction, stages []fault.TCPFault, f fate, k uint64, srcDone, peerDone chan struct{}) {
	ctx := l.ctx
	in := make(chan fault.Chunk, stageQueue)
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
	var closeAfter bool
	var mu sync.Mutex // guards closeAfter, set by stage goroutines
	cur := (<-chan fault.Chunk)(in)
	for i, st := range stages {
		if st.Streams()&dir == 0 {
			continue
		}
		out := make(chan fault.Chunk, stageQueue)
		a, _ := f.source(k)
		s := fault.Stream{
			In: cur, Out: out, Dir: dir,
			Rand: rand.New(rand.NewPCG(a, uint64(dir)<<8|uint64(i))),
			Link: l, PeerDone: peerDone,
		}
		l.workers.Add(1)
		go func() {
			defer l.workers.Done()
			defer close(out)
			if errors.Is(st.Run(ctx, s), fault.ErrCloseLink) {
				mu.Lock()
				closeAfter = true
				mu.Unlock()
			}
		}()
		cur = out
	}
	for c := range cur {
		if len(c.Data) == 0 {
			continue
		}
		if _, err := dst.Write(c.Data); err != nil {
			l.Close()
			for range cur {
			}
			return
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if closeAfter {
		l.Close()
	} else {
		closeWrite(dst)
	}
}
