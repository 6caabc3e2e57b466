package fault

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"time"
)

// Stream is one direction's stage of a TCP link, as one TCP fault sees it.
//
// A link rebuilds its stages when the proxy's toxics change, so that the
// change reaches connections already open. It then interrupts the stages;
// each returns ErrInterrupted and hands back, through Keep (or by having
// Send fail), the chunks it still held, so that no byte is lost: the link
// feeds them, in order, to the new stages.
type Stream struct {
	In        <-chan Chunk    // closed at the end of the stream
	Out       chan<- Chunk    // closed by the link after Run returns nil
	Interrupt <-chan struct{} // closed when the stage must stop
	Dir       Direction
	Rand      *rand.Rand // this stage's own source
	Link      Link
	// PeerDone is closed once the peer this stream writes to has stopped
	// sending (it closed or failed): a stage that holds data back forever
	// should then give up, or the connection would never end.
	PeerDone <-chan struct{}
	// Count is this toxic's own tally on this connection and direction
	// (bytes let through, for limit_data); it survives rebuilds.
	Count *int64

	pending []Chunk // handed back by the previous stages: read before In
	kept    []Chunk // handed back by this stage
}

// ErrInterrupted is returned by a stage that stopped because it was
// interrupted (or its connection ended).
var ErrInterrupted = errors.New("stage interrupted")

// NewStream returns a stream whose stage reads pending before in.
func NewStream(in <-chan Chunk, out chan<- Chunk, interrupt <-chan struct{}, pending []Chunk) *Stream {
	return &Stream{In: in, Out: out, Interrupt: interrupt, pending: pending}
}

// Recv returns the next chunk; io.EOF at the end of the stream, or
// ErrInterrupted.
func (s *Stream) Recv() (Chunk, error) {
	if len(s.pending) > 0 {
		c := s.pending[0]
		s.pending = s.pending[1:]
		return c, nil
	}
	select {
	case c, ok := <-s.In:
		if !ok {
			return Chunk{}, io.EOF
		}
		return c, nil
	case <-s.Interrupt:
		return Chunk{}, ErrInterrupted
	}
}

// Send passes c on; when interrupted first, it keeps c and returns
// ErrInterrupted.
func (s *Stream) Send(c Chunk) error {
	select {
	case s.Out <- c:
		return nil
	case <-s.Interrupt:
		s.Keep(c)
		return ErrInterrupted
	}
}

// Keep hands c back to the link, to go on through the next stages.
func (s *Stream) Keep(c Chunk) {
	if len(c.Data) > 0 {
		s.kept = append(s.kept, c)
	}
}

// Left returns what the stage handed back followed by what it never read
// of the pending chunks: the stream's bytes it held, in order.
func (s *Stream) Left() []Chunk { return append(s.kept, s.pending...) }

// Wait sleeps d, or returns ErrInterrupted.
func (s *Stream) Wait(d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-s.Interrupt:
		return ErrInterrupted
	}
}

// WaitUntil sleeps until the wall clock reaches t, or returns
// ErrInterrupted.
func (s *Stream) WaitUntil(t time.Time) error { return s.Wait(time.Until(t)) }

// relay forwards every chunk through f until the stream ends (nil) or the
// stage is interrupted; it is the loop most TCP faults share.
func relay(s *Stream, f func(Chunk) error) error {
	for {
		c, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := f(c); err != nil {
			return err
		}
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// sleepUntil waits until the wall clock reaches t or ctx ends.
func sleepUntil(ctx context.Context, t time.Time) error {
	return sleep(ctx, time.Until(t))
}
