// Package yield lets long work on the data plane's cores (a scrape of a
// thousand servers, a stats page) step aside for the requests.
//
// runtime.Gosched alone is not enough: the yielding goroutine goes to the
// global run queue, which the scheduler serves before it polls the
// network, so connections whose data has arrived stay parked until
// sysmon polls (every 10 ms), and a 30 ms scrape delays requests by 10 ms
// and more under GOMAXPROCS=1. A short sleep alone is not enough either:
// it lets the scheduler poll the network, but the sleeper's timer puts it
// first in line again after a single other goroutine has run. So a yield
// is both: the sleep makes the scheduler poll the network and queue every
// connection that is ready, and the Gosched that follows puts the work
// behind all of them.
package yield

import (
	"runtime"
	"time"
)

// Slice is how long a Pacer works between two yields: about the longest
// delay it adds to a request that becomes ready meanwhile.
const Slice = time.Millisecond

// nap is long enough that the sleeper's timer has not fired when the
// scheduler looks for other work (or the network would not be polled),
// short enough to cost little: on an idle process a yield costs the
// poller's resolution (1 ms), so a Pacer at most doubles a long task's
// duration there, and under load the wait is spent on requests.
const nap = 100 * time.Microsecond

// Pacer yields at most once per Slice of work. The zero value is ready.
type Pacer struct {
	last time.Time
}

// Maybe yields if a Slice has passed since the last yield (or since the
// first call).
func (p *Pacer) Maybe() {
	now := time.Now()
	if p.last.IsZero() {
		p.last = now
		return
	}
	if now.Sub(p.last) < Slice {
		return
	}
	time.Sleep(nap)
	runtime.Gosched()
	p.last = time.Now()
}
