package yield

import (
	"testing"
	"time"
)

// TestPacerYieldsOncePerSlice: calls within a Slice return at once; the
// first call after a Slice yields.
func TestPacerYieldsOncePerSlice(t *testing.T) {
	var p Pacer
	p.Maybe() // starts the clock
	first := p.last
	for time.Since(first) < Slice/2 {
		p.Maybe()
		// A yield is wrong only if the call began within the slice: on a
		// loaded machine this goroutine may be descheduled between the
		// check above and the call, past the slice.
		if !p.last.Equal(first) && p.last.Sub(first) < Slice+nap {
			t.Fatal("yielded within the first half slice")
		}
		if !p.last.Equal(first) {
			return // descheduled past the slice: nothing left to check
		}
	}
	for time.Since(first) < Slice {
		// Work for the rest of the slice.
	}
	p.Maybe()
	if !p.last.After(first) {
		t.Fatal("no yield after a whole slice of work")
	}
}
