package stick

import "time"

// The clock of tables is haproxy's now_ms: milliseconds on 32 bits that
// wrap, compared by difference. It starts 20 s before its first wrap, as
// haproxy's does, so that code that forgets the wrap fails at once.
var start = time.Now()

const bootWrap = 20000

// NowMs is the table clock now. It reads only the monotonic clock
// (time.Since of a time that has one does): time.Now reads the wall clock
// too, which doubles the cost of a call the request path makes several
// times.
func NowMs() uint32 { return uint32(time.Since(start).Milliseconds()) - bootWrap }

// A frequency counter (haproxy's freq_ctr used with a period) is three
// slots of an entry: the tick its current period began at, the events of
// the current period and those of the previous one. Entries are locked
// while these run.

const (
	fTick = iota
	fCurr
	fPrev
	freqSlots
)

// freqAdd counts inc events at now (update_freq_ctr_period).
func freqAdd(f []uint64, period, now, inc uint32) {
	tick := uint32(f[fTick])
	if now-tick < period {
		f[fCurr] = uint64(uint32(f[fCurr]) + inc)
		return
	}
	// A new period: the current becomes the previous, unless more than
	// one period went by.
	f[fPrev] = f[fCurr]
	f[fCurr] = uint64(inc)
	tick += period
	if now-tick >= period {
		f[fPrev] = 0
		tick = now
	}
	f[fTick] = uint64(tick &^ 1) // haproxy's low bit is its rotation lock
}

// freqRead is the number of events over the last period at now
// (read_freq_ctr_period): the current period's, and the part of the
// previous one's that still lies within a period of now.
func freqRead(f []uint64, period, now uint32) uint32 {
	if period == 0 {
		return 0
	}
	curr, past := uint64(uint32(f[fCurr])), uint64(uint32(f[fPrev]))
	remain := int64(int32(uint32(f[fTick]) + period - now))
	if remain < 0 {
		remain += int64(period)
		if remain >= 0 {
			past = curr
		} else {
			past = 0
		}
		curr = 0
	}
	// haproxy's correction of flapping at very low rates.
	if curr == 0 && past <= 1 {
		return uint32(past)
	}
	return uint32((past*uint64(remain) + curr*uint64(period)) / uint64(period))
}

// freqSet makes a counter read v now: haproxy's "set table" puts the value
// in the current period and forgets the previous one.
func freqSet(f []uint64, now, v uint32) {
	f[fTick] = uint64(now &^ 1)
	f[fCurr] = uint64(v)
	f[fPrev] = 0
}
