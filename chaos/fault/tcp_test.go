package fault

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"
)

// fakeLink counts what a stage asked of the connection.
type fakeLink struct{ closes, resets atomic.Int32 }

func (l *fakeLink) Close() { l.closes.Add(1) }
func (l *fakeLink) Reset() { l.resets.Add(1) }

type arrival struct {
	data string
	at   time.Duration // since the stage started
}

// runStage feeds chunks to one TCP fault and records what comes out and
// when. Each input is sent at its own offset from the start.
func runStage(t *testing.T, f TCPFault, inputs []arrival, closeAt time.Duration) (outs []arrival, link *fakeLink, ended time.Duration, runErr error) {
	t.Helper()
	// As in a link, the input is buffered: a chunk's arrival time is when
	// it came, not when the stage got round to it.
	in, out := make(chan Chunk, len(inputs)), make(chan Chunk, 1)
	link = &fakeLink{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	fed := make(chan struct{})
	defer func() { cancel(); <-fed }() // the feeder ends by closeAt, or now
	go func() {
		defer close(fed)
		for _, a := range inputs {
			time.Sleep(time.Until(start.Add(a.at)))
			select {
			case in <- Chunk{Data: []byte(a.data), At: time.Now()}:
			case <-ctx.Done():
				return
			}
		}
		time.Sleep(time.Until(start.Add(closeAt)))
		close(in)
	}()
	done := make(chan error, 1)
	go func() {
		s := NewStream(in, out, ctx.Done(), nil)
		s.Dir, s.Rand, s.Link = Downstream, rand.New(rand.NewPCG(1, 2)), link
		done <- f.Run(ctx, s)
		close(out)
	}()
	for c := range out {
		outs = append(outs, arrival{string(c.Data), time.Since(start)})
	}
	ended = time.Since(start)
	runErr = <-done
	return outs, link, ended, runErr
}

func TestLatencyFault(t *testing.T) {
	t.Parallel()
	synctestRun(t, func(t *testing.T) {
		outs, _, _, _ := runStage(t, &Latency{Latency: 100 * time.Millisecond}, []arrival{{"a", 0}, {"b", 10 * time.Millisecond}}, 20*time.Millisecond)
		// Chunks overlap in flight: b leaves 10ms after a, not 100ms.
		want := []arrival{{"a", 100 * time.Millisecond}, {"b", 110 * time.Millisecond}}
		if len(outs) != 2 || outs[0] != want[0] || outs[1] != want[1] {
			t.Errorf("latency 100ms: %v; want %v", outs, want)
		}
	})
}

func TestLatencyJitter(t *testing.T) {
	t.Parallel()
	synctestRun(t, func(t *testing.T) {
		var inputs []arrival
		for range latencyQueue - 2 {
			inputs = append(inputs, arrival{"x", 0})
		}
		outs, _, _, _ := runStage(t, &Latency{Latency: 100 * time.Millisecond, Jitter: 50 * time.Millisecond}, inputs, 0)
		var spread bool
		for _, o := range outs {
			if o.at < 50*time.Millisecond || o.at > 150*time.Millisecond {
				t.Fatalf("chunk out at %v; want 100ms±50ms", o.at)
			}
			spread = spread || o.at != 100*time.Millisecond
		}
		if !spread {
			t.Errorf("jitter 50ms changed nothing")
		}
	})
}

func TestBandwidthFault(t *testing.T) {
	t.Parallel()
	synctestRun(t, func(t *testing.T) {
		data := string(bytes.Repeat([]byte("x"), 5000))
		outs, _, _, _ := runStage(t, &Bandwidth{Rate: 1000}, []arrival{{data, 0}}, 0)
		total := 0
		for _, o := range outs {
			total += len(o.data)
			if len(o.data) > 100 {
				t.Fatalf("piece of %d bytes; want at most a tenth of a second's worth (100)", len(o.data))
			}
		}
		last := outs[len(outs)-1].at
		if total != 5000 || last != 4900*time.Millisecond {
			t.Errorf("bandwidth 1000 B/s: %d bytes, last at %v; want 5000 at 4.9s", total, last)
		}
	})
}

func TestSlicerFault(t *testing.T) {
	t.Parallel()
	synctestRun(t, func(t *testing.T) {
		data := string(bytes.Repeat([]byte("y"), 1000))
		outs, _, _, _ := runStage(t, &Slicer{AverageSize: 50, SizeVariation: 20, Delay: time.Millisecond}, []arrival{{data, 0}}, 0)
		var got string
		for _, o := range outs {
			if len(o.data) > 70 || len(o.data) < 1 {
				t.Fatalf("slice of %d bytes; want 30-70 (the last may be shorter)", len(o.data))
			}
			got += o.data
		}
		if got != data {
			t.Fatalf("slices do not add up to the input")
		}
		if n := len(outs); outs[n-1].at != time.Duration(n-1)*time.Millisecond {
			t.Errorf("last of %d slices at %v; want %v (1ms between slices)", n, outs[n-1].at, time.Duration(n-1)*time.Millisecond)
		}
	})
}

func TestLimitDataFault(t *testing.T) {
	t.Parallel()
	synctestRun(t, func(t *testing.T) {
		outs, _, _, err := runStage(t, &LimitData{Bytes: 5}, []arrival{{"abc", 0}, {"defgh", 0}, {"never", 0}}, 0)
		var got string
		for _, o := range outs {
			got += o.data
		}
		if got != "abcde" || !errors.Is(err, ErrCloseLink) {
			t.Errorf("limit_data 5: passed %q, Run = %v; want %q and ErrCloseLink", got, err, "abcde")
		}
	})
}

func TestSlowCloseFault(t *testing.T) {
	t.Parallel()
	synctestRun(t, func(t *testing.T) {
		outs, _, ended, _ := runStage(t, &SlowClose{Delay: 2 * time.Second}, []arrival{{"a", 0}}, 10*time.Millisecond)
		if len(outs) != 1 || outs[0].at != 0 || ended != 2010*time.Millisecond {
			t.Errorf("slow_close 2s: %v, stream ended at %v; want data at once and the end at 2.01s", outs, ended)
		}
	})
}

func TestTimeoutFault(t *testing.T) {
	t.Parallel()
	synctestRun(t, func(t *testing.T) {
		outs, link, ended, _ := runStage(t, &Timeout{Timeout: time.Second}, []arrival{{"a", 0}, {"b", 500 * time.Millisecond}}, 600*time.Millisecond)
		if len(outs) != 0 || link.closes.Load() != 1 || ended != time.Second {
			t.Errorf("timeout 1s: passed %v, closes %d, ended %v; want nothing, 1 close at 1s", outs, link.closes.Load(), ended)
		}
	})
}

func TestTimeoutForever(t *testing.T) {
	t.Parallel()
	synctestRun(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		in := make(chan Chunk)
		close(in)
		link := &fakeLink{}
		peer := make(chan struct{})
		s := NewStream(in, make(chan Chunk), ctx.Done(), nil)
		s.Link, s.PeerDone = link, peer
		err := (&Timeout{}).Run(ctx, s)
		if !errors.Is(err, ErrInterrupted) || link.closes.Load() != 0 {
			t.Errorf("timeout 0 = %v with %d closes; want it to hold until interrupted, no close", err, link.closes.Load())
		}
		// Once the starved peer leaves, the connection ends.
		close(peer)
		start := time.Now()
		s = NewStream(in, make(chan Chunk), nil, nil)
		s.Link, s.PeerDone = link, peer
		(&Timeout{}).Run(context.Background(), s)
		if link.closes.Load() != 1 || time.Since(start) != 0 {
			t.Errorf("timeout 0 after the peer left: %d closes after %v; want 1 at once", link.closes.Load(), time.Since(start))
		}
	})
}

// reset_peer drops the first data and resets the connection its timeout
// later, as in Toxiproxy.
func TestResetPeerFault(t *testing.T) {
	t.Parallel()
	synctestRun(t, func(t *testing.T) {
		outs, link, ended, _ := runStage(t, &ResetPeer{Timeout: 300 * time.Millisecond}, []arrival{{"a", 100 * time.Millisecond}}, 500*time.Millisecond)
		if len(outs) != 0 || link.resets.Load() != 1 || ended != 400*time.Millisecond {
			t.Errorf("reset_peer 300ms: passed %v, resets %d at %v; want nothing, then 1 reset at 400ms (300ms after the data)", outs, link.resets.Load(), ended)
		}
	})
}

// An interrupted stage loses no byte: what it held comes back, in order.
func TestInterruptKeepsData(t *testing.T) {
	t.Parallel()
	synctestRun(t, func(t *testing.T) {
		for _, f := range []TCPFault{
			&Latency{Latency: time.Hour},
			&Bandwidth{Rate: 10},
			&Slicer{AverageSize: 2, Delay: time.Hour},
		} {
			in, out := make(chan Chunk, 4), make(chan Chunk, 100)
			in <- Chunk{Data: []byte("hello world"), At: time.Now()}
			interrupt := make(chan struct{})
			s := NewStream(in, out, interrupt, []Chunk{{Data: []byte(">> ")}})
			s.Rand = rand.New(rand.NewPCG(1, 2))
			done := make(chan error, 1)
			go func() { done <- f.Run(context.Background(), s) }()
			time.Sleep(time.Second)
			close(interrupt)
			if err := <-done; !errors.Is(err, ErrInterrupted) {
				t.Errorf("%T interrupted: Run = %v; want ErrInterrupted", f, err)
			}
			close(out)
			var got []byte
			for c := range out {
				got = append(got, c.Data...)
			}
			for _, c := range s.Left() {
				got = append(got, c.Data...)
			}
			for len(in) > 0 { // what the stage never took stays for the next
				got = append(got, (<-in).Data...)
			}
			if string(got) != ">> hello world" {
				t.Errorf("%T interrupted: passed and kept %q; want %q", f, got, ">> hello world")
			}
		}
	})
}
