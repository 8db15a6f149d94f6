package stick

import (
	"encoding/binary"
	"testing"
	"time"
)

// One request of a rate limit on the client address (bench/ratelimit.cfg)
// at the table's level: track, count the request, read the rate, look the
// address up for its conn_cur, read it, end the tracking.
func benchTrackCountRead(b *testing.B, n int) {
	t := New(Spec{Name: "t", Type: KeyIP, KeySize: 4, Size: 100000, Expire: 30 * time.Second,
		Stores: []Store{{Type: DTHTTPReqRate, Period: 10 * time.Second}, {Type: DTConnCur}}})
	keys := make([][4]byte, n)
	for i := range keys {
		binary.BigEndian.PutUint32(keys[i][:], 0x0a000000+uint32(i))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := keys[i%n][:]
		var ts Trackers
		e := ts.Track(0, t, k)
		e.Count(DTHTTPReqCnt, DTHTTPReqRate, 1)
		if v, _ := e.Read(DTHTTPReqRate, 0); v < 0 {
			b.Fatal(v)
		}
		if e := t.Lookup(k); e != nil {
			if v, _ := e.Read(DTConnCur, 0); v < 0 {
				b.Fatal(v)
			}
		}
		ts.Release()
	}
}

func BenchmarkTrackCountRead1(b *testing.B)   { benchTrackCountRead(b, 1) }
func BenchmarkTrackCountRead10k(b *testing.B) { benchTrackCountRead(b, 10000) }

// Release touches without the table's lock: the purge that walks the
// expiry list finds the touch and requeues the entry instead of removing
// it.
func TestReleaseTouchesLazily(t *testing.T) {
	tb := New(Spec{Name: "t", Type: KeyIP, KeySize: 4, Size: 10, Expire: time.Second,
		Stores: []Store{{Type: DTConnCur}}})
	now := NowMs()
	e := tb.GetAt([]byte{1, 2, 3, 4}, now)
	e.ReleaseAt(now + 900)
	tb.mu.Lock()
	tb.purgeLocked(now + 1000) // the Get's expiry is over, the Release's not
	tb.mu.Unlock()
	if tb.LookupAt([]byte{1, 2, 3, 4}, now+1000) != e {
		t.Fatal("an entry touched by its release was purged")
	}
	if tb.LookupAt([]byte{1, 2, 3, 4}, now+1900) != nil {
		t.Fatal("the entry outlived its expiry")
	}
}

// TrackAt with the request counts the connection and the request under
// one lock, and tells the peers once.
func TestTrackAtCountsRequest(t *testing.T) {
	tb := New(Spec{Name: "t", Type: KeyIP, KeySize: 4, Size: 10, Expire: time.Minute,
		Stores: []Store{{Type: DTConnCur}, {Type: DTConnCnt}, {Type: DTHTTPReqCnt}, {Type: DTHTTPReqRate, Period: 10 * time.Second}}})
	touched := 0
	tb.SetOnTouch(func(*Entry) { touched++ })
	var ts Trackers
	e := ts.TrackAt(0, tb, []byte{1, 2, 3, 4}, NowMs(), true)
	for _, c := range []struct {
		d    DataType
		want int64
	}{{DTConnCur, 1}, {DTConnCnt, 1}, {DTHTTPReqCnt, 1}, {DTHTTPReqRate, 1}} {
		if v, _ := e.Read(c.d, 0); v != c.want {
			t.Errorf("%v = %d, want %d", c.d, v, c.want)
		}
	}
	if touched != 1 || e.Refs() != 1 {
		t.Errorf("touched %d times, %d references", touched, e.Refs())
	}
	ts.Release()
	if v, _ := e.Read(DTConnCur, 0); v != 0 || e.Refs() != 0 || touched != 2 {
		t.Errorf("after release: conn_cur %d, %d references, touched %d times", v, e.Refs(), touched)
	}
}

// Trackers come and go on many goroutines while the table purges and
// evicts: no entry leaves while referenced (run with -race).
func TestTrackReleaseConcurrent(t *testing.T) {
	tb := New(Spec{Name: "t", Type: KeyIP, KeySize: 4, Size: 8, Expire: 10 * time.Millisecond,
		Stores: []Store{{Type: DTConnCur}}})
	done := make(chan struct{})
	for g := 0; g < 4; g++ {
		go func(g int) {
			defer func() { done <- struct{}{} }()
			for i := 0; i < 2000; i++ {
				var ts Trackers
				k := []byte{10, 0, byte(g), byte(i % 16)}
				e := ts.Track(0, tb, k)
				if e == nil {
					continue // full of tracked entries
				}
				if got := tb.Lookup(k); got != e {
					t.Errorf("tracked entry %v left the table", k)
				}
				ts.Release()
			}
		}(g)
	}
	for g := 0; g < 4; g++ {
		<-done
	}
	tb.Close()
}
