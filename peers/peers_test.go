package peers

import (
	"fmt"
	"net"
	"testing"
	"time"

	"switchyard/stick"
)

func TestVarint(t *testing.T) {
	for _, v := range []uint64{0, 1, 239, 240, 241, 2287, 2288, 264431, 264432, 1 << 32, 1<<64 - 1} {
		b := appendVarint(nil, v)
		r := reader{b: b}
		if got := r.varint(); got != v || r.err != nil || len(r.b) != 0 {
			t.Errorf("varint %d: encoded % x, decoded %d (%v, %d left)", v, b, got, r.err, len(r.b))
		}
	}
	// haproxy's boundaries: 240 is the first two-byte value, 2288 the
	// first three-byte one.
	if n := len(appendVarint(nil, 239)); n != 1 {
		t.Errorf("239 takes %d bytes", n)
	}
	if n := len(appendVarint(nil, 2287)); n != 2 {
		t.Errorf("2287 takes %d bytes", n)
	}
	if n := len(appendVarint(nil, 2288)); n != 3 {
		t.Errorf("2288 takes %d bytes", n)
	}
	r := reader{b: []byte{0xf0}}
	if r.varint(); r.err == nil {
		t.Error("truncated varint decoded")
	}
}

func testSpec() stick.Spec {
	return stick.Spec{Name: "p/t", NetName: "t", Type: stick.KeyString, KeySize: 32, Size: 100, Expire: time.Minute,
		Peers: "p", Stores: []stick.Store{{Type: stick.DTGPC0, Elems: 1}, {Type: stick.DTConnCur, Elems: 1},
			{Type: stick.DTHTTPReqRate, Elems: 1, Period: 10 * time.Second}, {Type: stick.DTServerKey, Elems: 1},
			{Type: stick.DTGPC, Elems: 3}}}
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	end := time.Now().Add(d)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timeout waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func read(tb *stick.Table, key string, d stick.DataType, idx int) int64 {
	e := tb.Lookup([]byte(key))
	if e == nil {
		return -1
	}
	v, _ := e.Read(d, idx)
	return v
}

func TestTwoSections(t *testing.T) {
	a, b := freePort(t), freePort(t)
	ta, tb := stick.New(testSpec()), stick.New(testSpec())
	ma, mb := NewManager(nil), NewManager(nil)
	defer ma.Close()
	defer mb.Close()
	if err := ma.Apply([]SectionConfig{{Name: "p", Local: "A", Listen: a, Remotes: []Remote{{Name: "B", Addr: b}}, Tables: []*stick.Table{ta}}}); err != nil {
		t.Fatal(err)
	}
	// An entry made before B exists reaches B when it connects.
	e := ta.Get([]byte("before"))
	e.Add(stick.DTGPC0, 0, 7)
	e.Touch()
	e.Release()
	if err := mb.Apply([]SectionConfig{{Name: "p", Local: "B", Listen: b, Remotes: []Remote{{Name: "A", Addr: a}}, Tables: []*stick.Table{tb}}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "B learns 'before'", 10*time.Second, func() bool { return read(tb, "before", stick.DTGPC0, 0) == 7 })

	e = ta.Get([]byte("k"))
	e.Add(stick.DTGPC0, 0, 3)
	e.Add(stick.DTConnCur, 0, 5)
	e.Add(stick.DTHTTPReqRate, 0, 4)
	e.Add(stick.DTGPC, 2, 9)
	e.SetServer(0, "srv1")
	e.Touch()
	e.Release()
	// Each change is pushed as it is made: wait for the last of them.
	waitFor(t, "B learns k", 10*time.Second, func() bool {
		e := tb.Lookup([]byte("k"))
		return read(tb, "k", stick.DTGPC0, 0) == 3 && read(tb, "k", stick.DTGPC, 2) == 9 && e != nil && e.ServerKey() == "srv1"
	})
	if v := read(tb, "k", stick.DTHTTPReqRate, 0); v != 4 {
		t.Errorf("rate on B = %d, want 4", v)
	}
	if v := read(tb, "k", stick.DTGPC, 2); v != 9 {
		t.Errorf("gpc2 on B = %d, want 9", v)
	}
	if v := read(tb, "k", stick.DTConnCur, 0); v != 0 {
		t.Errorf("conn_cur on B = %d, want 0: it is local", v)
	}
	if k := tb.Lookup([]byte("k")).ServerKey(); k != "srv1" {
		t.Errorf("server_key on B = %q", k)
	}

	// And back: B's change reaches A, pushed when the tracker releases
	// the entry (a stream's end), without an explicit Touch.
	e = tb.Get([]byte("k"))
	e.Add(stick.DTGPC0, 0, 10)
	e.Release()
	waitFor(t, "A learns B's change", 10*time.Second, func() bool { return read(ta, "k", stick.DTGPC0, 0) == 13 })
	if k := ta.Lookup([]byte("k")).ServerKey(); k != "srv1" {
		t.Errorf("server_key back on A = %q", k)
	}

	// A reload that keeps the section keeps the session.
	sa := ma.Section("p")
	if err := ma.Apply([]SectionConfig{{Name: "p", Local: "A", Listen: a, Remotes: []Remote{{Name: "B", Addr: b}}, Tables: []*stick.Table{ta}}}); err != nil {
		t.Fatal(err)
	}
	if ma.Section("p") != sa {
		t.Error("an unchanged section restarted")
	}
}

func TestHandshakeRefusals(t *testing.T) {
	a := freePort(t)
	m := NewManager(nil)
	defer m.Close()
	if err := m.Apply([]SectionConfig{{Name: "p", Local: "A", Listen: a, Remotes: []Remote{{Name: "B", Addr: ""}}}}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ hello, want string }{
		{"HTTP/1.1 200\n", "501"},
		{"HAProxyS 3.0\n", "502"},
		{"HAProxyS 2.2\n", "502"},
		{"HAProxyS 2.1\nX\n", "503"},
		{"HAProxyS 2.1\nA\nC 1 1\n", "504"},
		{"HAProxyS 2.1\nA\nB\n", "501"},
		{"HAProxyS 2.1\nA\nB 1 1\n", "200"},
		{"HAProxyS 2.0\nA\nB 1 1\n", "200"},
	} {
		conn, err := net.Dial("tcp", a)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		conn.Write([]byte(c.hello))
		buf := make([]byte, 4)
		n, _ := conn.Read(buf)
		if got := string(buf[:n]); got != c.want+"\n" {
			t.Errorf("%q: got %q, want %s", c.hello, got, c.want)
		}
		conn.Close()
	}
}

// TestLogBounded: keys that come and go do not make the update log grow
// without bound.
func TestLogBounded(t *testing.T) {
	spec := testSpec()
	spec.Size = 10
	tb := stick.New(spec)
	sh := newShared(tb, 1, false)
	tb.SetOnTouch(sh.touched)
	for i := 0; i < 20000; i++ {
		e := tb.Get([]byte(fmt.Sprint(i)))
		e.Add(stick.DTGPC0, 0, 1)
		e.Release()
	}
	sh.mu.Lock()
	n, k := len(sh.log), len(sh.ids)
	sh.mu.Unlock()
	if n > 3000 || k > 3000 {
		t.Errorf("log %d items, %d keys, for a table of 10", n, k)
	}
}

// TestHandOver is a binary upgrade: a new process binds the same peers
// address beside the old one (SO_REUSEPORT), and the old one, leaving,
// teaches it every entry under the local peer's name.
func TestHandOver(t *testing.T) {
	a := freePort(t)
	oldT, newT := stick.New(testSpec()), stick.New(testSpec())
	cfg := func(tb *stick.Table) []SectionConfig {
		return []SectionConfig{{Name: "p", Local: "A", Listen: a, Remotes: []Remote{{Name: "B"}}, Tables: []*stick.Table{tb}}}
	}
	mo, mn := NewManager(nil), NewManager(nil)
	defer mn.Close()
	if err := mo.Apply(cfg(oldT)); err != nil {
		t.Fatal(err)
	}
	e := oldT.Get([]byte("x"))
	e.Add(stick.DTGPC0, 0, 9)
	e.Add(stick.DTHTTPReqRate, 0, 2)
	e.Release()
	if err := mn.Apply(cfg(newT)); err != nil {
		t.Fatal(err)
	}
	mo.HandOver(3 * time.Second)
	if v := read(newT, "x", stick.DTGPC0, 0); v != 9 {
		t.Errorf("new process reads gpc0=%d, want 9", v)
	}
	if v := read(newT, "x", stick.DTHTTPReqRate, 0); v != 2 {
		t.Errorf("new process reads rate=%d, want 2", v)
	}
	waitFor(t, "new process resynced", time.Second, mn.Section("p").Resynced)
	// Without a successor, a hand-over is quick and changes nothing.
	m := NewManager(nil)
	b := freePort(t)
	m.Apply([]SectionConfig{{Name: "p", Local: "A", Listen: b, Tables: []*stick.Table{stick.New(testSpec())}}})
	start := time.Now()
	m.HandOver(3 * time.Second)
	if time.Since(start) > time.Second {
		t.Errorf("hand-over without successor took %v", time.Since(start))
	}
}
