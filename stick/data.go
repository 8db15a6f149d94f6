package stick

// slot returns the slots of element idx of a stored data type, nil when
// the table does not store it or idx is past its elements. e.mu is held.
func (e *Entry) slot(d DataType, idx int) []uint64 {
	t := e.t
	if d >= NumDataTypes || t.off[d] < 0 || idx < 0 || idx >= int(t.elems[d]) {
		return nil
	}
	n := 1
	if dataInfo[d].Std == StdFreq {
		n = freqSlots
	}
	o := int(t.off[d]) + idx*n
	return e.slots[o : o+n]
}

// Read returns a stored value now: a counter, or a frequency counter's
// events over its period. A server_id reads as its signed value.
func (e *Entry) Read(d DataType, idx int) (int64, bool) {
	return e.ReadAt(d, idx, NowMs())
}

// ReadAt is Read at a given tick.
func (e *Entry) ReadAt(d DataType, idx int, now uint32) (int64, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.readLocked(d, idx, now)
}

func (e *Entry) readLocked(d DataType, idx int, now uint32) (int64, bool) {
	s := e.slot(d, idx)
	if s == nil {
		return 0, false
	}
	switch dataInfo[d].Std {
	case StdSInt:
		return int64(int32(s[0])), true
	case StdUInt:
		return int64(uint32(s[0])), true
	case StdULL:
		return int64(s[0]), true
	case StdFreq:
		return int64(freqRead(s, e.t.period[d], now)), true
	}
	return 0, false
}

// Add adds n to a counter, or counts n events in a frequency counter, and
// returns the new value (a frequency counter's rate). ok is false when the
// table does not store d.
func (e *Entry) Add(d DataType, idx int, n uint64) (v int64, ok bool) {
	v, ok = e.add(d, idx, n)
	e.Touch()
	return v, ok
}

// AddLearned is Add for counts learned from a peer: the onTouch hook is
// not told.
func (e *Entry) AddLearned(d DataType, idx int, n uint64) (v int64, ok bool) { return e.add(d, idx, n) }

func (e *Entry) add(d DataType, idx int, n uint64) (v int64, ok bool) {
	now := NowMs()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.bumpLocked(d, idx, n, now) == nil {
		return 0, false
	}
	return e.readLocked(d, idx, now)
}

// bumpLocked adds n to element idx of d, a counter or a frequency
// counter, and returns its slots (nil when the table does not store it).
// e.mu is held.
func (e *Entry) bumpLocked(d DataType, idx int, n uint64, now uint32) []uint64 {
	s := e.slot(d, idx)
	if s == nil {
		return nil
	}
	switch dataInfo[d].Std {
	case StdSInt, StdUInt:
		s[0] = uint64(uint32(s[0]) + uint32(n))
	case StdULL:
		s[0] += n
	case StdFreq:
		freqAdd(s, e.t.period[d], now, uint32(n))
	}
	return s
}

// Count adds n to a counter and its rate together, whichever the table
// stores (conn_cnt and conn_rate, http_req_cnt and http_req_rate…).
func (e *Entry) Count(cnt, rate DataType, n uint64) {
	t := e.t
	if t.off[cnt] < 0 && t.off[rate] < 0 {
		return // before the clock read: most tables count few of these
	}
	e.CountAt(cnt, rate, n, NowMs())
}

// CountAt is Count at a tick the caller already read.
func (e *Entry) CountAt(cnt, rate DataType, n uint64, now uint32) {
	t := e.t
	if t.off[cnt] < 0 && t.off[rate] < 0 {
		return
	}
	e.mu.Lock()
	e.bumpLocked(cnt, 0, n, now)
	e.bumpLocked(rate, 0, n, now)
	e.mu.Unlock()
	e.touchAt(now)
}

// Dec takes one from a counter that never goes below zero (conn_cur).
func (e *Entry) Dec(d DataType) {
	e.mu.Lock()
	if s := e.slot(d, 0); s != nil && uint32(s[0]) > 0 {
		s[0]--
	}
	e.mu.Unlock()
}

// Set stores a value: a counter's, or a frequency counter made to read v
// for its whole period (haproxy's set table).
func (e *Entry) Set(d DataType, idx int, v int64) bool {
	if !e.set(d, idx, v) {
		return false
	}
	e.Touch()
	return true
}

// SetLearned is Set for a value learned from a peer: the onTouch hook is
// not told (a learned value is not pushed back, as haproxy's
// stktable_touch_remote).
func (e *Entry) SetLearned(d DataType, idx int, v int64) bool { return e.set(d, idx, v) }

func (e *Entry) set(d DataType, idx int, v int64) bool {
	now := NowMs()
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.slot(d, idx)
	if s == nil {
		return false
	}
	switch dataInfo[d].Std {
	case StdSInt, StdUInt:
		s[0] = uint64(uint32(v))
	case StdULL:
		s[0] = uint64(v)
	case StdFreq:
		freqSet(s, now, uint32(v))
	}
	return true
}

// ServerKey is the entry's server_key.
func (e *Entry) ServerKey() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.srv
}

// SetServer stores a server: its id and its key (name or address), as the
// table stores them.
func (e *Entry) SetServer(id int32, key string) {
	e.mu.Lock()
	if s := e.slot(DTServerID, 0); s != nil {
		s[0] = uint64(uint32(id))
	}
	if e.t.off[DTServerKey] >= 0 {
		e.srv = key
	}
	e.mu.Unlock()
}

// Key is the entry's key, as the table holds it.
func (e *Entry) Key() []byte { return []byte(e.key) }

// KeyIs reports whether the entry's key is key.
func (e *Entry) KeyIs(key []byte) bool { return e.key == string(key) }

// Table is the table the entry belongs to.
func (e *Entry) Table() *Table { return e.t }

// Refs is how many trackers hold the entry (table_trackers).
func (e *Entry) Refs() int { return int(e.ref.Load()) }

// FreqState is a frequency counter's raw state, for peers: the tick its
// period began at, and the current and previous periods' events.
type FreqState struct{ Tick, Curr, Prev uint32 }

// Freq returns the raw state of a frequency counter.
func (e *Entry) Freq(d DataType, idx int) (FreqState, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.slot(d, idx)
	if s == nil || dataInfo[d].Std != StdFreq {
		return FreqState{}, false
	}
	return FreqState{uint32(s[fTick]), uint32(s[fCurr]), uint32(s[fPrev])}, true
}

// SetFreq replaces the raw state of a frequency counter (learned from a
// peer).
func (e *Entry) SetFreq(d DataType, idx int, f FreqState) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.slot(d, idx)
	if s == nil || dataInfo[d].Std != StdFreq {
		return false
	}
	s[fTick], s[fCurr], s[fPrev] = uint64(f.Tick), uint64(f.Curr), uint64(f.Prev)
	return true
}

// SetServerKey replaces the entry's server_key (learned from a peer).
func (e *Entry) SetServerKey(k string) {
	e.mu.Lock()
	if e.t.off[DTServerKey] >= 0 {
		e.srv = k
	}
	e.mu.Unlock()
}
