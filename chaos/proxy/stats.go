package proxy

import (
	"encoding/json"
	"strconv"
	"sync"
	"sync/atomic"

	"flagsuite/chaos/fault"
)

// Stats counts what a proxy saw and did. In HTTP mode it counts requests
// and the statuses the clients got; in TCP mode, connections.
type Stats struct {
	Protocol    fault.Protocol
	Requests    int64            // HTTP requests read
	Connections int64            // TCP connections accepted
	Faults      map[string]int64 // injected faults by toxic name ("error", "latency_downstream")
	Statuses    map[int]int64    // HTTP statuses sent to clients, injected ones included

	// For /metrics; not in the JSON.
	FaultTypes map[string]string // toxic name → its type
	BytesUp    int64             // bytes relayed client to backend
	BytesDown  int64             // bytes relayed backend to client
}

// Add adds o's counts to s, for totals across proxies.
func (s *Stats) Add(o Stats) {
	s.Requests += o.Requests
	s.Connections += o.Connections
	if s.Faults == nil {
		s.Faults = map[string]int64{}
	}
	for k, v := range o.Faults {
		s.Faults[k] += v
	}
	s.BytesUp += o.BytesUp
	s.BytesDown += o.BytesDown
	if len(o.Statuses) > 0 && s.Statuses == nil {
		s.Statuses = map[int]int64{}
	}
	for k, v := range o.Statuses {
		s.Statuses[k] += v
	}
}

// MarshalJSON writes {"requests": N, "faults": {...}, "statuses": {"200": n}}
// for HTTP, {"connections": N, "faults": {...}} for TCP, and all four keys
// for a total over both kinds.
func (s Stats) MarshalJSON() ([]byte, error) {
	type view struct {
		Requests    *int64           `json:"requests,omitempty"`
		Connections *int64           `json:"connections,omitempty"`
		Faults      map[string]int64 `json:"faults"`
		Statuses    map[string]int64 `json:"statuses,omitempty"`
	}
	v := view{Faults: s.Faults}
	if v.Faults == nil {
		v.Faults = map[string]int64{}
	}
	if s.Protocol != fault.TCP {
		v.Requests = &s.Requests
		v.Statuses = map[string]int64{}
		for k, n := range s.Statuses {
			v.Statuses[strconv.Itoa(k)] = n
		}
	}
	if s.Protocol != fault.HTTP {
		v.Connections = &s.Connections
	}
	return json.Marshal(v)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (s *Stats) UnmarshalJSON(b []byte) error {
	var v struct {
		Requests    *int64           `json:"requests"`
		Connections *int64           `json:"connections"`
		Faults      map[string]int64 `json:"faults"`
		Statuses    map[string]int64 `json:"statuses"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = Stats{Faults: v.Faults}
	switch {
	case v.Requests != nil && v.Connections == nil:
		s.Protocol = fault.HTTP
	case v.Requests == nil && v.Connections != nil:
		s.Protocol = fault.TCP
	}
	if v.Requests != nil {
		s.Requests = *v.Requests
	}
	if v.Connections != nil {
		s.Connections = *v.Connections
	}
	for k, n := range v.Statuses {
		code, err := strconv.Atoi(k)
		if err != nil {
			return err
		}
		if s.Statuses == nil {
			s.Statuses = map[int]int64{}
		}
		s.Statuses[code] = n
	}
	return nil
}

// counters are the live, lock-free form of Stats: traffic only ever does
// atomic adds, so reading stats never slows it down. The per-request
// counts are spread over shards, one per connection in turn, so that
// connections served on different cores do not fight over one cache line
// at every request; a snapshot adds the shards up.
type counters struct {
	shards      [statShards]statShard
	next        atomic.Uint32 // the shard the next connection gets
	connections atomic.Int64
	bytesUp     atomic.Int64 // TCP mode: bytes relayed client to backend
	bytesDown   atomic.Int64 // TCP mode: bytes relayed backend to client
	faults      sync.Map     // toxic name → *faultCount
}

// faultCount counts one toxic's injections; typ is its type, for /metrics.
type faultCount struct {
	n   atomic.Int64
	typ string
}

const statShards = 8

type statShard struct {
	requests  atomic.Int64
	bytesUp   atomic.Int64      // HTTP mode: request bytes sent to the backend
	bytesDown atomic.Int64      // HTTP mode: response bytes sent to clients
	statuses  [600]atomic.Int64 // also keeps neighbouring shards' hot counters apart
}

// shard returns the shard a new connection counts its requests in.
func (c *counters) shard() *statShard {
	return &c.shards[c.next.Add(1)%statShards]
}

func (s *statShard) status(code int) {
	if code >= 0 && code < len(s.statuses) {
		s.statuses[code].Add(1)
	}
}

func (c *counters) fault(name, typ string) {
	v, ok := c.faults.Load(name)
	if !ok || v.(*faultCount).typ != typ {
		if ok {
			// A toxic of that name with another type: count it afresh.
			c.faults.Store(name, &faultCount{typ: typ})
		}
		v, _ = c.faults.LoadOrStore(name, &faultCount{typ: typ})
	}
	v.(*faultCount).n.Add(1)
}

func (c *counters) snapshot(p fault.Protocol) Stats {
	s := Stats{
		Protocol:    p,
		Connections: c.connections.Load(),
		Faults:      map[string]int64{},
		Statuses:    map[int]int64{},
	}
	s.FaultTypes = map[string]string{}
	c.faults.Range(func(k, v any) bool {
		if n := v.(*faultCount).n.Load(); n > 0 {
			s.Faults[k.(string)] = n
			s.FaultTypes[k.(string)] = v.(*faultCount).typ
		}
		return true
	})
	s.BytesUp, s.BytesDown = c.bytesUp.Load(), c.bytesDown.Load()
	for i := range c.shards {
		sh := &c.shards[i]
		s.Requests += sh.requests.Load()
		s.BytesUp += sh.bytesUp.Load()
		s.BytesDown += sh.bytesDown.Load()
		for code := range sh.statuses {
			if n := sh.statuses[code].Load(); n > 0 {
				s.Statuses[code] += n
			}
		}
	}
	return s
}

func (c *counters) reset() {
	c.connections.Store(0)
	c.bytesUp.Store(0)
	c.bytesDown.Store(0)
	for i := range c.shards {
		sh := &c.shards[i]
		sh.requests.Store(0)
		sh.bytesUp.Store(0)
		sh.bytesDown.Store(0)
		for code := range sh.statuses {
			sh.statuses[code].Store(0)
		}
	}
	c.faults.Range(func(_, v any) bool {
		v.(*faultCount).n.Store(0)
		return true
	})
}
