package counters

import "sync/atomic"

// Buckets are the upper bounds, in milliseconds, of the response-time
// histograms: from what a loopback server answers in to what a client
// gives up after.
var Buckets = [...]float64{1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000}

// Histogram counts observations into Buckets, lock-free, so that the
// exporter can give quantiles (p95, p99) that haproxy's averages hide.
type Histogram struct {
	counts [len(Buckets) + 1]atomic.Uint64 // the last: above every bound
	sum    atomic.Uint64                   // milliseconds
}

// Observe counts one value in milliseconds (negative: not counted).
func (h *Histogram) Observe(ms int64) {
	if ms < 0 {
		return
	}
	i := 0
	for i < len(Buckets) && float64(ms) > Buckets[i] {
		i++
	}
	h.counts[i].Add(1)
	h.sum.Add(uint64(ms))
}

// Snapshot returns the cumulative count at each bound (as Prometheus
// wants them), the total count and the sum in milliseconds.
func (h *Histogram) Snapshot() (cumulative [len(Buckets)]uint64, count uint64, sumMS uint64) {
	for i := range Buckets {
		count += h.counts[i].Load()
		cumulative[i] = count
	}
	count += h.counts[len(Buckets)].Load()
	return cumulative, count, h.sum.Load()
}

func (h *Histogram) clear() {
	for i := range h.counts {
		h.counts[i].Store(0)
	}
	h.sum.Store(0)
}
