package stick

// What peers need of a table beyond the local API: entries learned from a
// peer are written without telling the onTouch hook (a learned value is
// not pushed back, as haproxy's stktable_touch_remote), and expire when
// the peer says.

// Learn returns the entry of key for an update learned from a peer,
// created if missing, without a reference and without calling the onTouch
// hook. Its expiry becomes exp ms from now when timed (the peer's own
// remaining time), else the table's; it is nil when the table is full.
func (t *Table) Learn(key []byte, exp uint32, timed bool) *Entry {
	now := NowMs()
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entries[string(key)]
	if e == nil {
		if e = t.createLocked(string(key), now); e == nil {
			return nil
		}
	}
	t.touchLocked(e, now)
	// A shorter remaining time than the table's leaves the entry out of
	// expiry order: Lookup still sees it expired, the purge finds it late.
	// 0 is a peer whose table never expires: ours decides.
	if timed && t.exp.Load() != 0 && exp != 0 && exp < t.exp.Load() {
		e.expire.Store(now + exp)
	}
	return e
}

// Remain is how many ms the entry has left before it expires at now (0 for
// a table without expiry), what a timed peers update carries.
func (e *Entry) Remain(now uint32) uint32 {
	x := e.expire.Load()
	if e.t.exp.Load() == 0 || int32(x-now) <= 0 {
		return 0
	}
	return x - now
}

// AddFreq is a frequency counter's state after n events at now, as a
// counter of that period counts them: what a peer that sums counts
// expects an entry to hold after adding to it.
func (f FreqState) AddFreq(period, now, n uint32) FreqState {
	s := []uint64{uint64(f.Tick), uint64(f.Curr), uint64(f.Prev)}
	freqAdd(s, period, now, n)
	return FreqState{uint32(s[fTick]), uint32(s[fCurr]), uint32(s[fPrev])}
}
