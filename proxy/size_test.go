package proxy

import (
	"testing"
	"unsafe"
)

// Every client connection holds an httpStream for its whole life, idle or
// not: its size is the bulk of what an idle keep-alive connection costs
// besides its goroutine. The allocator rounds it up to a size class, so a
// few bytes more can cost 128 (896 -> 1024, which the idle-memory bench
// showed). This test says when a change crosses the class; move rarely
// used state behind a pointer rather than raise the bound.
func TestHTTPStreamSizeClass(t *testing.T) {
	if n := unsafe.Sizeof(httpStream{}); n > 896 {
		t.Fatalf("httpStream is %d bytes, past the 896-byte size class every idle connection pays", n)
	}
}
