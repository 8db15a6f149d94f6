package luapat

import (
	"sync"
	"sync/atomic"
)

// maxCached bounds the cache: a script that builds its patterns from data
// could otherwise grow it without end; past the bound, patterns are
// compiled on each use, as before.
const maxCached = 1024

var (
	cache  sync.Map // pattern text → *Pattern
	cached atomic.Int32
)

// Cached returns the compiled form of p, compiled once and shared by
// every Lua state of the process.
func Cached(p string) (*Pattern, error) {
	if v, ok := cache.Load(p); ok {
		return v.(*Pattern), nil
	}
	pat, err := Compile(p)
	if err != nil {
		return nil, err
	}
	if cached.Load() < maxCached {
		if _, loaded := cache.LoadOrStore(p, pat); !loaded {
			cached.Add(1)
		}
	}
	return pat, nil
}
