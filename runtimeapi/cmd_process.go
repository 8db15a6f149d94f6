package runtimeapi

import (
	"fmt"
	"runtime"
	"time"

	"switchyard/stats"
)

// show activity and show pools describe haproxy's scheduler and memory
// pools. switchyard's counterparts are the Go runtime's, so these print
// what maps onto haproxy's concepts, in haproxy's layout, and say so:
//
//   - show activity: one line per counter as haproxy prints them with one
//     thread (the Go scheduler spreads goroutines over its threads, and
//     keeps no per-thread counters). date_now and accepted (connections
//     accepted, CumConns of show info) are haproxy's; goroutines,
//     gc_cycles, gc_pause_us_tot and heap_alloc are the Go runtime's own.
//     haproxy's event-loop counters (ctxsw, loops, poll_*...) have no
//     counterpart and are not printed.
//   - show pools: the Go allocator's size classes stand for haproxy's
//     pools: for each class with live objects, their count and bytes;
//     Go keeps no per-class failures, averages or users, printed as
//     haproxy prints none. The total is the whole heap in use, the
//     objects larger than the largest class (allocated one by one)
//     included.

func cmdShowActivity(c *call) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	now := time.Now()
	info := c.s.srv.surf.Info()
	b := fmt.Appendf(nil, "thread_id: 1 (1..1)\ndate_now: %d.%06d\n", now.Unix(), now.Nanosecond()/1000)
	if f := info[stats.ICumConn]; f.Kind != stats.Empty {
		b = fmt.Appendf(b, "accepted: %d\n", f.U)
	}
	b = fmt.Appendf(b, "goroutines: %d\ngc_cycles: %d\ngc_pause_us_tot: %d\nheap_alloc: %d\n",
		runtime.NumGoroutine(), ms.NumGC, ms.PauseTotalNs/1000, ms.HeapAlloc)
	c.data(b)
}

func cmdShowPools(c *call) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b := []byte("Dumping pools usage (the Go allocator's size classes).\n")
	pools := 0
	for _, sc := range ms.BySize {
		live := sc.Mallocs - sc.Frees
		if live == 0 || sc.Size == 0 {
			continue
		}
		pools++
		b = fmt.Appendf(b, "  - Pool size-%d (%d bytes) : %d allocated (%d bytes), %d used (~0 by thread caches), needed_avg 0, 0 failures, 1 users\n",
			sc.Size, sc.Size, live, live*uint64(sc.Size), live)
	}
	b = fmt.Appendf(b, "Total: %d pools, %d bytes allocated, %d used (~0 by thread caches).\n", pools, ms.HeapAlloc, ms.HeapAlloc)
	c.data(b)
}
