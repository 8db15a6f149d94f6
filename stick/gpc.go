package stick

// The general purpose counters and tags have two spellings: gpc0, gpc1,
// gpt0, gpc0_rate, gpc1_rate, and the arrays gpc(N), gpt(N), gpc_rate(N).
// A table stores one or the other; haproxy's actions and fetches named
// after the first reach the array's element 0 or 1 when the table stores
// the array.

// Resolve returns where a table keeps data type d, element idx: d itself
// when stored, else the array element it is an alias of. ok is false when
// the table keeps neither.
func (t *Table) Resolve(d DataType, idx int) (DataType, int, bool) {
	if t.Stores(d) {
		return d, idx, idx < int(t.elems[d])
	}
	var arr DataType
	switch d {
	case DTGPC0, DTGPC1:
		arr, idx = DTGPC, int(d-DTGPC0)/int(DTGPC1-DTGPC0)
	case DTGPT0:
		arr, idx = DTGPT, 0
	case DTGPC0Rate, DTGPC1Rate:
		arr, idx = DTGPCRate, int(d-DTGPC0Rate)/int(DTGPC1Rate-DTGPC0Rate)
	default:
		return d, idx, false
	}
	if !t.Stores(arr) || idx >= int(t.elems[arr]) {
		return d, idx, false
	}
	return arr, idx, true
}

// IncGPC adds n to a general purpose counter and counts n events in its
// rate, whichever of the two the table stores: cnt and rate name them
// (gpc0 and gpc0_rate, or gpc and gpc_rate) with their index. It returns
// what haproxy's sc_inc_gpc* fetches return: the new counter, or, when
// only the rate is stored, the events of the rate's current period; ok is
// false when the table stores neither.
func (e *Entry) IncGPC(cnt, rate DataType, idx int, n uint64) (v int64, ok bool) {
	t := e.t
	cd, ci, cok := t.Resolve(cnt, idx)
	rd, ri, rok := t.Resolve(rate, idx)
	if !cok && !rok {
		return 0, false
	}
	now := NowMs()
	e.mu.Lock()
	if rok {
		v = int64(uint32(e.bumpLocked(rd, ri, n, now)[fCurr]))
	}
	if cok {
		v = int64(uint32(e.bumpLocked(cd, ci, n, now)[0]))
	}
	e.mu.Unlock()
	e.touchAt(now)
	return v, true
}

// ClearGPC sets a general purpose counter to zero and returns the value it
// had (sc_clr_gpc*); ok is false when the table does not store it.
func (e *Entry) ClearGPC(cnt DataType, idx int) (old int64, ok bool) {
	d, i, ok := e.t.Resolve(cnt, idx)
	if !ok {
		return 0, false
	}
	e.mu.Lock()
	s := e.slot(d, i)
	old = int64(uint32(s[0]))
	s[0] = 0
	e.mu.Unlock()
	e.Touch()
	return old, true
}
