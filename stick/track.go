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
	return ts.TrackAt(i, t, key, NowMs(), false)
}

// TrackAt is Track at a tick the caller already read. With req, the entry
// also counts the stream's HTTP request (http_req_cnt, http_req_rate), as
// an http-request track-sc does right after it starts tracking: one lock
// of the entry and one touch for the whole, a request's usual stick work.
func (ts *Trackers) TrackAt(i int, t *Table, key []byte, now uint32, req bool) *Entry {
	if ts[i].E != nil {
		return nil
	}
	e := t.GetAt(key, now) // the touch is Get's
	if e == nil {
		return nil
	}
	ts[i] = Tracker{E: e}
	conn := t.off[DTConnCur] >= 0 || t.off[DTConnCnt] >= 0 || t.off[DTConnRate] >= 0
	req = req && (t.off[DTHTTPReqCnt] >= 0 || t.off[DTHTTPReqRate] >= 0)
	if !conn && !req {
		return e
	}
	e.mu.Lock()
	if conn {
		for _, d := range [...]DataType{DTConnCur, DTConnCnt, DTConnRate} {
			e.bumpLocked(d, 0, 1, now)
		}
	}
	if req {
		e.bumpLocked(DTHTTPReqCnt, 0, 1, now)
		e.bumpLocked(DTHTTPReqRate, 0, 1, now)
	}
	e.mu.Unlock()
	if hook := t.onTouch.Load(); hook != nil {
		(*hook)(e)
	}
	return e
}

// Release ends every tracking: each entry counts one connection less and
// is given back (haproxy's stream_store_counters).
func (ts *Trackers) Release() {
	if !ts.Any() {
		return
	}
	now := NowMs() // one clock read for the lot
	for i := range ts {
		if e := ts[i].E; e != nil {
			e.Dec(DTConnCur)
			e.ReleaseAt(now)
			ts[i] = Tracker{}
		}
	}
}

// Any says whether a slot tracks something.
func (ts *Trackers) Any() bool { return ts[0].E != nil || ts[1].E != nil || ts[2].E != nil }
