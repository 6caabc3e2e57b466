package store

import (
	"errors"
	"sync"
)

// ErrClosed is passed to the done callback of a Submit made after Close.
var ErrClosed = errors.New("writer pool closed")

// Pool is an executor of writer goroutines fed by a bounded queue. Submit
// returns as soon as the write is queued; Close waits for every queued
// write. A Pool is safe for concurrent use.
type Pool struct {
	write  func(dir, name string, data []byte) error
	inline bool
	jobs   chan job
	wg     sync.WaitGroup // the writer goroutines

	mu     sync.RWMutex // guards closed and, held for reading, a send on jobs
	closed bool
}

type job struct {
	dir, name string
	data      []byte
	started   func() // may be nil
	done      func(error)
}

// NewPool starts workers writer goroutines that save with WriteAtomic,
// each file synced on its own; see NewPoolOn. With workers ≤ 0 there are no
// goroutines and Submit writes inline.
func NewPool(workers int) *Pool { return newPool(workers, WriteAtomic) }

// NewPoolOn starts workers writer goroutines that save with w.Write; the
// caller makes the files durable with w.Sync once the pool is closed. The
// queue holds 2·workers writes: enough to keep every writer busy while the network side goes on,
// small enough that a disk slower than the network pushes back on Submit
// instead of piling images up in memory. With workers ≤ 0 there are no
// goroutines and Submit writes inline.
func NewPoolOn(w *Writer, workers int) *Pool { return newPool(workers, w.Write) }

func newPool(workers int, write func(dir, name string, data []byte) error) *Pool {
	if workers <= 0 {
		return &Pool{write: write, inline: true}
	}
	p := &Pool{write: write, jobs: make(chan job, 2*workers)}
	for range workers {
		p.wg.Go(func() {
			for j := range p.jobs {
				j.start()
				j.finish(p.write(j.dir, j.name, j.data))
			}
		})
	}
	return p
}

func (j job) start() {
	if j.started != nil {
		j.started()
	}
}

func (j job) finish(err error) {
	if j.done != nil {
		j.done(err)
	}
}

// Submit queues the write of data as dir/name and returns; it blocks only
// while the queue is full. done, if not nil, is called exactly once with the
// write's error: from a writer goroutine, or, for an inline pool, before
// Submit returns. data must not be changed until then. done must not wait
// for the goroutine that calls Submit, which may itself be waiting for room
// in the queue. After Close, done gets ErrClosed and nothing is written.
func (p *Pool) Submit(dir, name string, data []byte, done func(error)) {
	p.SubmitTraced(dir, name, data, nil, done)
}

// SubmitTraced is Submit that also calls started, if not nil, when a
// writer takes the write from the queue, just before it writes: what a
// trace of the run needs to tell waiting for a writer from writing.
func (p *Pool) SubmitTraced(dir, name string, data []byte, started func(), done func(error)) {
	j := job{dir: dir, name: name, data: data, started: started, done: done}
	p.mu.RLock()
	defer p.mu.RUnlock()
	switch {
	case p.closed:
		j.finish(ErrClosed)
	case p.inline:
		j.start()
		j.finish(p.write(dir, name, data))
	default:
		p.jobs <- j
	}
}

// Close stops taking writes and waits for the queued ones to finish, done
// callbacks included. It may be called more than once.
func (p *Pool) Close() {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		if p.jobs != nil {
			close(p.jobs)
		}
	}
	p.mu.Unlock()
	p.wg.Wait()
}
