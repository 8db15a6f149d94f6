package stick

// Trackers are the stick counters a session or a stream tracks: sc0, sc1
// and sc2 (haproxy's stkctr arrays). A session's last as long as its
// connection; a stream's, one request (one connection in TCP mode).
type Trackers [3]Tracker

// Tracker is one tracked entry.
type Tracker struct {
	E *Entry
	// Backend: tracked by a backend's rule (haproxy's
	// STKCTR_TRACK_BACKEND).
	Backend bool
}

// Track starts tracking the entry of key in slot i, unless the slot
// already tracks one (haproxy ignores the rule then): the entry counts one
// more current and total connection, as haproxy's stream_start_counters.
// It returns the entry tracked, nil when none could be.
func (ts *Trackers) Track(i int, t *Table, key []byte) *Entry {
	if ts[i].E != nil {
		return nil
	}
	e := t.Get(key)
	if e == nil {
		return nil
	}
	ts[i] = Tracker{E: e}
	e.start()
	return e
}

// start counts a new tracker of the entry.
func (e *Entry) start() {
	t := e.t
	if t.off[DTConnCur] < 0 && t.off[DTConnCnt] < 0 && t.off[DTConnRate] < 0 {
		return
	}
	now := NowMs()
	e.mu.Lock()
	for _, d := range [...]DataType{DTConnCur, DTConnCnt, DTConnRate} {
		e.bumpLocked(d, 0, 1, now)
	}
	e.mu.Unlock()
	e.touchAt(now)
}

// Release ends every tracking: each entry counts one connection less and
// is given back (haproxy's stream_store_counters).
func (ts *Trackers) Release() {
	for i := range ts {
		if e := ts[i].E; e != nil {
			e.Dec(DTConnCur)
			e.Release()
			ts[i] = Tracker{}
		}
	}
}

// Any says whether a slot tracks something.
func (ts *Trackers) Any() bool { return ts[0].E != nil || ts[1].E != nil || ts[2].E != nil }
