package proxy

import "testing"

func TestConvBackendHelpers(t *testing.T) {
	for in, want := range map[string]int{"2": 2, " +7x": 7, "-3": -3, "": 0, "x1": 0, "\t12": 12} {
		if got := atoi(in); got != want {
			t.Errorf("atoi(%q) = %d, want %d", in, got, want)
		}
	}
	if got := cString([]byte("be\x00x")); got != "be" {
		t.Errorf("cString = %q", got)
	}
	snap := &Snapshot{backends: map[string]*Backend{}}
	if findBackend(snap, "x") != nil || findBackend(snap, "#1") != nil {
		t.Error("found a backend in an empty snapshot")
	}
}
