package listener

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// A reload that changes a bind's options applies them (issue 8 §5): the
// backlog and a unix socket's mode on the socket that stays, v6only by a
// new socket that takes over. Connections keep being accepted.
func TestBindOptionsApplyOnReload(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.sock")
	addr := freeAddr(t)
	m := newManager(t)
	first := binds(t, addr+" backlog 10", "unix@"+path+" mode 600")
	ls, err := m.Open(first)
	if err != nil {
		t.Fatal(err)
	}
	second := binds(t, addr+" backlog 200", "unix@"+path+" mode 644")
	ls2, err := m.Open(second)
	if err != nil {
		t.Fatal(err)
	}
	if ls2[second[0].Key()] != ls[first[0].Key()] || ls2[second[1].Key()] != ls[first[1].Key()] {
		t.Fatal("a backlog or mode change must keep the socket (no connection refused)")
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o644 {
		t.Fatalf("unix socket mode after reload: %v %v, want 0644", st.Mode(), err)
	}
	if r := m.TakeReplaced(); len(r) != 0 {
		t.Fatalf("%d listeners replaced, want none", len(r))
	}
	serves(t, "tcp", addr, ls2[second[0].Key()])
	serves(t, "unix", path, ls2[second[1].Key()])
}

func TestV6OnlyChangeReopens(t *testing.T) {
	haveIPv6(t)
	port := strconv.Itoa(freePorts(t, 1))
	m := newManager(t)
	first := binds(t, "[::1]:"+port)
	ls, err := m.Open(first)
	if err != nil {
		t.Fatal(err)
	}
	second := binds(t, "[::1]:"+port+" v6only")
	ls2, err := m.Open(second)
	if err != nil {
		t.Fatal(err)
	}
	old := ls[first[0].Key()]
	if ls2[second[0].Key()] == old {
		t.Fatal("a v6only change must open a new socket")
	}
	r := m.TakeReplaced()
	if len(r) != 1 || r[0] != old {
		t.Fatalf("replaced = %v, want the old socket", r)
	}
	r[0].Close()
	serves(t, "tcp6", "[::1]:"+port, ls2[second[0].Key()])
}
