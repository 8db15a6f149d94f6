package counters

import (
	"sync/atomic"
	"time"
)

// Rate counts events per second as haproxy's freq_ctr does: the count of
// the current second plus that of the previous one, weighted by how much
// of it still lies within the last second; and the most events seen in
// one second. It is lock-free: an event racing with the turn of a second
// may be counted in either.
type Rate struct {
	sec  atomic.Int64 // the current second, since epoch
	cur  atomic.Int64
	prev atomic.Int64
	max  atomic.Uint64
}

// epoch makes seconds small and monotonic.
var epoch = time.Now()

// Now is the clock rates are counted on: read it once per event and pass
// it to every Rate the event counts in.
func Now() time.Duration { return time.Since(epoch) }

// UnixAt is the Unix second of now (from Now), for "last session" times:
// an event already holding a Now reading needs no second clock read.
func UnixAt(now time.Duration) int64 { return epoch.Add(now).Unix() }

// Add counts one event now.
func (r *Rate) Add() { r.AddAt(Now()) }

// AddAt counts one event at now (from Now), and keeps the maximum per
// second (haproxy's update_freq_ctr, then the max of its result).
func (r *Rate) AddAt(now time.Duration) {
	r.turn(int64(now / time.Second))
	c := r.cur.Add(1)
	if uint64(c) > r.max.Load() {
		observeMax(&r.max, uint64(c))
	}
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
	now := Now()
	s := int64(now / time.Second)
	r.turn(s)
	into := now % time.Second
	return r.cur.Load() + r.prev.Load()*int64(time.Second-into)/int64(time.Second)
}

// PerSecondFloat is PerSecond without rounding the previous second's
// share down (haproxy's read_freq_ctr_flt), for the ratios of rates.
func (r *Rate) PerSecondFloat() float64 {
	now := Now()
	r.turn(int64(now / time.Second))
	into := now % time.Second
	return float64(r.cur.Load()) + float64(r.prev.Load())*float64(time.Second-into)/float64(time.Second)
}

// Max returns the most events counted in one second.
func (r *Rate) Max() uint64 { return r.max.Load() }

// Max keeps the largest value observed.
type Max struct{ v atomic.Uint64 }

// Observe raises the maximum to x if x is larger.
func (m *Max) Observe(x uint64) {
	if x > m.v.Load() {
		observeMax(&m.v, x)
	}
}

// Load returns the maximum.
func (m *Max) Load() uint64 { return m.v.Load() }

func observeMax(v *atomic.Uint64, x uint64) {
	for {
		old := v.Load()
		if x <= old || v.CompareAndSwap(old, x) {
			return
		}
	}
}

// AvgSamples is the window of haproxy's time averages (TIME_STATS_SAMPLES).
const AvgSamples = 1024

// Avg is haproxy's sliding-window average (swrate): a sum from which each
// new sample takes away one n-th before it adds itself.
type Avg struct{ sum atomic.Uint64 }

// add adds v (negative counts as 0) to a window of n samples.
func (a *Avg) add(n uint64, v int64) {
	x := uint64(max(v, 0))
	for {
		old := a.sum.Load()
		next := old + x
		if n > 0 {
			next -= (old + n - 1) / n
		}
		if a.sum.CompareAndSwap(old, next) {
			return
		}
	}
}

// value is the average over a window of n samples.
func (a *Avg) value(n uint64) uint64 {
	if n == 0 {
		return 0
	}
	return (a.sum.Load() + n - 1) / n
}

// ClearMax forgets the maximum per second.
func (r *Rate) ClearMax() { r.max.Store(0) }
