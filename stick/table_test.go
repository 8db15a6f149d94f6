package stick

import (
	"strings"
	"testing"
	"time"
)

func spec(stores ...Store) Spec {
	return Spec{Name: "t", NetName: "t", Type: KeyString, KeySize: 33, Size: 4, Expire: time.Minute, Stores: stores}
}

func TestFreqCounter(t *testing.T) {
	f := make([]uint64, freqSlots)
	const p = 10000
	now := uint32(1 << 31)
	for i := 0; i < 5; i++ {
		freqAdd(f, p, now, 1)
	}
	if got := freqRead(f, p, now); got != 5 {
		t.Fatalf("rate in first period = %d, want 5", got)
	}
	// Half-way into the next period, half the previous one counts.
	now += p + p/2
	if got := freqRead(f, p, now); got != 2 {
		t.Fatalf("rate half a period later = %d, want 2", got)
	}
	freqAdd(f, p, now, 4)
	if got := freqRead(f, p, now); got != 6 {
		t.Fatalf("rate after rotation = %d, want 6", got)
	}
	// Two periods later, nothing is left.
	now += 3 * p
	if got := freqRead(f, p, now); got != 0 {
		t.Fatalf("rate long after = %d, want 0", got)
	}
	// A single past event is reported whole (flapping correction).
	g := make([]uint64, freqSlots)
	freqAdd(g, p, now, 1)
	if got := freqRead(g, p, now+p+p-1); got != 1 {
		t.Fatalf("single event near the end of the next period = %d, want 1", got)
	}
}

func TestTableEvictsOldestUntracked(t *testing.T) {
	tb := New(spec(Store{Type: DTGPC0, Elems: 1}))
	held := tb.Get([]byte("a"))
	for _, k := range []string{"b", "c", "d"} {
		tb.Get([]byte(k)).Release()
	}
	// Full: the oldest entry that nothing tracks goes ("b"; "a" is held).
	if tb.Get([]byte("e")) == nil {
		t.Fatal("no room made in a full table")
	}
	if tb.Lookup([]byte("b")) != nil || tb.Lookup([]byte("a")) == nil {
		t.Fatalf("wrong entry evicted: %v", keys(tb))
	}
	held.Release()
}

func TestTableNoPurge(t *testing.T) {
	sp := spec()
	sp.NoPurge = true
	tb := New(sp)
	for _, k := range []string{"a", "b", "c", "d"} {
		tb.Peek([]byte(k))
	}
	if tb.Get([]byte("e")) != nil {
		t.Fatal("a full nopurge table took a new entry")
	}
}

func TestShowLine(t *testing.T) {
	sp := spec(Store{Type: DTConnRate, Elems: 1, Period: 50 * time.Second}, Store{Type: DTServerID, Elems: 1},
		Store{Type: DTGPC, Elems: 2}, Store{Type: DTConnCur, Elems: 1})
	sp.Expire = 0
	tb := New(sp)
	e := tb.Get([]byte("/a b"))
	e.Add(DTGPC, 1, 3)
	e.Count(DTConnCnt, DTConnRate, 1)
	line := string(e.AppendShow(nil, NowMs(), 1))
	want := "key=/a\\ b use=0 exp=0 server_id=0 conn_rate(50000)=1 conn_cur=0 gpc0=0 gpc1=3\n"
	if !strings.HasSuffix(line, want) || !strings.HasPrefix(line, "0x") {
		t.Fatalf("got %q, want …%q", line, want)
	}
}

func keys(tb *Table) []string {
	var out []string
	for _, e := range tb.Entries() {
		out = append(out, string(e.Key()))
	}
	return out
}
