package stick

import (
	"runtime"
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

func TestExpiry(t *testing.T) {
	sp := spec(Store{Type: DTGPC0, Elems: 1})
	sp.Expire = 20 * time.Millisecond
	tb := New(sp)
	defer tb.Close()
	tb.Peek([]byte("gone"))
	held := tb.Get([]byte("held"))
	deadline := time.Now().Add(5 * time.Second)
	for tb.Lookup([]byte("gone")) != nil {
		if time.Now().After(deadline) {
			t.Fatal("an untouched entry did not expire")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if tb.Lookup([]byte("held")) == nil {
		t.Fatal("a tracked entry expired")
	}
	held.Release()
	// The expiry task removes entries nobody looks up.
	for tb.Len() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("entries left: %v", keys(tb))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestTouchedEntryIsNotEvicted(t *testing.T) {
	tb := New(spec(Store{Type: DTGPC0, Elems: 1}))
	var es []*Entry
	for _, k := range []string{"a", "b", "c", "d"} {
		es = append(es, tb.Peek([]byte(k)))
	}
	// "a" is the oldest, but its data changed since: "b" goes first.
	// (Expiry is counted in milliseconds, as haproxy's: a touch in the
	// same millisecond as the insertion changes nothing.)
	for t0 := NowMs(); NowMs() == t0; {
		runtime.Gosched()
	}
	es[0].Add(DTGPC0, 0, 1)
	if tb.Get([]byte("e")) == nil {
		t.Fatal("no room made")
	}
	if tb.Lookup([]byte("a")) == nil || tb.Lookup([]byte("b")) != nil {
		t.Fatalf("wrong entry evicted: %v", keys(tb))
	}
}

// An entry touched after it was queued, but before the next one was made,
// is still the oldest: haproxy's expiry tree evicts it first (`set table`
// makes an entry and touches it, sometimes a millisecond later).
func TestTouchedStillOldestIsEvicted(t *testing.T) {
	tb := New(spec(Store{Type: DTGPC0, Elems: 1}))
	const t0 = 1 << 20
	tb.GetAt([]byte("a"), t0).ReleaseAt(t0 + 1) // queued at t0, touched at t0+1
	for i, k := range []string{"b", "c", "d"} {
		tb.GetAt([]byte(k), t0+2+uint32(i)).ReleaseAt(t0 + 2 + uint32(i))
	}
	if tb.GetAt([]byte("e"), t0+10) == nil {
		t.Fatal("no room made")
	}
	if tb.LookupAt([]byte("a"), t0+10) != nil || tb.LookupAt([]byte("b"), t0+10) == nil {
		t.Fatalf("wrong entry evicted: %v", keys(tb))
	}
}

func TestRegistryKeepsTables(t *testing.T) {
	r := NewRegistry()
	st := r.Stage()
	sp := spec(Store{Type: DTGPC0, Elems: 1}, Store{Type: DTConnCur, Elems: 1})
	t1 := st.Table(sp)
	st.Commit()
	t1.Get([]byte("k")).Add(DTGPC0, 0, 5)

	// Same data, another size: the same table, resized.
	sp.Size = 10
	st = r.Stage()
	if got := st.Table(sp); got != t1 {
		t.Fatal("a table whose data did not change was replaced")
	}
	st.Commit()
	if t1.Size() != 10 {
		t.Fatalf("size %d after the reload, want 10", t1.Size())
	}

	// More data: a new table that takes over the entries.
	sp2 := sp
	sp2.Stores = append([]Store{{Type: DTGPC1, Elems: 1}}, sp.Stores...)
	st = r.Stage()
	t2 := st.Table(sp2)
	if t2 == t1 {
		t.Fatal("a table whose data changed was kept")
	}
	st.Commit()
	e := t2.Lookup([]byte("k"))
	if e == nil {
		t.Fatal("the entry was not taken over")
	}
	if v, _ := e.Read(DTGPC0, 0); v != 5 {
		t.Fatalf("gpc0 = %d after the reload, want 5", v)
	}
	if v, _ := e.Read(DTConnCur, 0); v != 0 {
		t.Fatalf("conn_cur = %d: the old table's trackers were copied", v)
	}
	if r.Lookup(sp.Name) != t2 {
		t.Fatal("the registry does not hold the new table")
	}
}
