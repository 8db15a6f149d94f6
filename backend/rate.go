package backend

import (
	"sync/atomic"
	"time"
)

// Rate counts events per second as haproxy's freq_ctr does: the count of
// the current second plus that of the previous one, weighted by how much
// of it still lies within the last second. It is lock-free: an event
// racing with the turn of a second may be counted in either.
type Rate struct {
	sec  atomic.Int64 // the current second, since epoch
	cur  atomic.Int64
	prev atomic.Int64
}

// rateEpoch makes seconds small and monotonic.
var rateEpoch = time.Now()

// Add counts one event now.
func (r *Rate) Add() {
	now := time.Since(rateEpoch)
	r.turn(int64(now / time.Second))
	r.cur.Add(1)
}

// turn moves the counter to second s if it is behind.
func (r *Rate) turn(s int64) {
	for {
		old := r.sec.Load()
		if old >= s {
			return
		}
		if r.sec.CompareAndSwap(old, s) {
			c := r.cur.Swap(0)
			if s == old+1 {
				r.prev.Store(c)
			} else {
				r.prev.Store(0)
			}
			return
		}
	}
}

// PerSecond returns the rate over the last second.
func (r *Rate) PerSecond() int64 {
	now := time.Since(rateEpoch)
	s := int64(now / time.Second)
	r.turn(s)
	into := now % time.Second
	return r.cur.Load() + r.prev.Load()*int64(time.Second-into)/int64(time.Second)
}

// countRates says whether session and request rates are counted: only
// when something reads them, so that a configuration without rate fetches
// pays no clock reading per request.
var countRates atomic.Bool

// CountRates turns rate counting on for the life of the process.
func CountRates() { countRates.Store(true) }

// RatesOn says whether rates are counted.
func RatesOn() bool { return countRates.Load() }
