package admin

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
)

// openFDs counts the process's open descriptors (0 where /proc is
// missing).
func openFDs() uint64 {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0
	}
	return uint64(len(ents))
}

// memoryUse is the memory the Go runtime holds from the system, and the
// limit it was given (GOMEMLIMIT; 0 when none).
func memoryUse() (used, limit uint64) {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() == metrics.KindUint64 && s[1].Value.Kind() == metrics.KindUint64 {
		used = s[0].Value.Uint64() - s[1].Value.Uint64()
	}
	if l := debug.SetMemoryLimit(-1); l > 0 && l < 1<<62 {
		limit = uint64(l)
	}
	return used, limit
}
