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
	}
	if !p.last.Equal(first) {
		t.Fatal("yielded within the first half slice")
	}
	for time.Since(first) < Slice {
		// Work for the rest of the slice.
	}
	p.Maybe()
	if !p.last.After(first) {
		t.Fatal("no yield after a whole slice of work")
	}
}
