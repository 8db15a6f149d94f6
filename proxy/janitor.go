package proxy

import (
	"runtime/debug"
	"sync/atomic"
	"time"
)

// janitor gives memory back after a burst. Serving grows goroutine stacks
// and fills buffer pools; Go only shrinks stacks and empties pools at
// garbage collection, and a process with no new work allocates nothing that
// would trigger one. So when the proxy goes quiet after being busy, the
// janitor collects (twice: pools keep a victim generation) and returns the
// freed pages to the system, as haproxy trims its pools when idle.
type janitor struct {
	active atomic.Bool // set on every request; cleared by the janitor
}

// janitorTick is how long the proxy must stay quiet before memory is given
// back; janitorGap bounds how often, since a collection costs CPU in
// proportion to the heap (a trickle of requests must not cause a stream
// of collections).
const (
	janitorTick = 250 * time.Millisecond
	janitorGap  = 2 * time.Second
)

// touch marks activity; it only writes when the flag changes, so the shared
// cache line stays clean under load.
func (j *janitor) touch() {
	if !j.active.Load() {
		j.active.Store(true)
	}
}

// run wakes every janitorTick until stop is closed.
func (j *janitor) run(stop <-chan struct{}) {
	t := time.NewTicker(janitorTick)
	defer t.Stop()
	dirty := false // there was work since the last collection
	var last time.Time
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		if j.active.Swap(false) {
			dirty = true
			continue
		}
		if dirty && time.Since(last) >= janitorGap {
			dirty = false
			last = time.Now()
			debug.FreeOSMemory()
			debug.FreeOSMemory()
		}
	}
}
