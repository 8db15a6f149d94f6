package peers

import (
	"sync"

	"switchyard/stick"
)

// Summed counters (switchyard's "merge sum"): haproxy's peers push whole
// values and the last writer wins, so replicas counting one key at once
// overwrite each other's counts. In a section that sums, each process
// pushes only its own contribution (what it counted itself), and adds to
// its entries what each peer's contribution grew by: every replica then
// reads the sum of all counts. The contributions travel in ordinary
// updates, under the table's wire name with sumSuffix, so that a peer
// that does not sum (haproxy) never takes a contribution for a total.
//
// Summed: counters and rates (gpc0, gpc1, gpc(), *_cnt, *_rate). Values
// that are set rather than counted (gpt0, gpt(), server_id, server_key)
// stay last-writer-wins; conn_cur stays local.

const sumSuffix = "+sum"

// summed says whether a data type is added up across peers.
func summed(d stick.DataType) bool {
	info := d.Info()
	switch {
	case info.Local, d == stick.DTGPT0, d == stick.DTGPT, d == stick.DTServerID:
		return false
	}
	return info.Std == stick.StdUInt || info.Std == stick.StdULL || info.Std == stick.StdFreq
}

// sumTable is a table's bookkeeping when it sums: own holds this
// process's contributions (what is pushed), keys what was last seen of
// each entry and of each peer's contribution.
type sumTable struct {
	own  *stick.Table
	mu   sync.Mutex
	keys map[string]*sumKey
}

// slot is one value of an entry: a counter, or a frequency counter's
// state.
type slot struct {
	v uint64
	f stick.FreqState
}

type sumKey struct {
	seen    map[slotID]slot            // the entry as last accounted for
	contrib map[string]map[slotID]slot // each peer's last contribution
}

type slotID struct {
	d   stick.DataType
	idx int
}

func newSumTable(t *stick.Table) *sumTable {
	return &sumTable{own: stick.New(*t.Spec()), keys: map[string]*sumKey{}}
}

func (st *sumTable) key(k string) *sumKey {
	sk := st.keys[k]
	if sk == nil {
		sk = &sumKey{seen: map[slotID]slot{}, contrib: map[string]map[slotID]slot{}}
		st.keys[k] = sk
	}
	return sk
}

// forget drops the bookkeeping of keys that left the table.
func (st *sumTable) forget(gone func(key string) bool) {
	st.mu.Lock()
	for k := range st.keys {
		if gone(k) {
			delete(st.keys, k)
		}
	}
	st.mu.Unlock()
}

// local accounts for a local change of e: what it grew by since last seen
// is this process's own, added to its contribution entry. The values that
// are not summed are copied as they are.
func (st *sumTable) local(e *stick.Entry) *stick.Entry {
	t := e.Table()
	k := string(e.Key())
	own := st.own.Peek(e.Key())
	if own == nil {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	sk := st.key(k)
	for d := stick.DataType(0); d < stick.NumDataTypes; d++ {
		if !t.Stores(d) || d.Info().Std == stick.StdDict {
			continue
		}
		for idx := 0; idx < t.Elems(d); idx++ {
			if !summed(d) {
				if v, ok := e.Read(d, idx); ok && d.Info().Std != stick.StdFreq {
					own.Set(d, idx, v)
				}
				continue
			}
			id := slotID{d, idx}
			if n := st.grown(e, sk, id, t.Period(d)); n > 0 {
				own.Add(d, idx, n)
			}
		}
	}
	if t.Stores(stick.DTServerKey) {
		own.SetServerKey(e.ServerKey())
	}
	return own
}

// grown returns how much a summed value of e grew since sk last saw it,
// and records what it is now.
func (st *sumTable) grown(e *stick.Entry, sk *sumKey, id slotID, period uint32) uint64 {
	old := sk.seen[id]
	if id.d.Info().Std == stick.StdFreq {
		f, _ := e.Freq(id.d, id.idx)
		sk.seen[id] = slot{f: f}
		return uint64(freqGrowth(old.f, f, period))
	}
	v, _ := e.Read(id.d, id.idx)
	sk.seen[id] = slot{v: uint64(v)}
	if uint64(v) < old.v {
		return uint64(v) // the entry was reset (cleared, expired): it starts over
	}
	return uint64(v) - old.v
}

// remote applies a peer's contribution to a summed value of e: e grows by
// what the contribution grew by since the peer last sent it.
func (st *sumTable) remote(e *stick.Entry, peer string, id slotID, val slot, period uint32) {
	k := string(e.Key())
	st.mu.Lock()
	defer st.mu.Unlock()
	sk := st.key(k)
	c := sk.contrib[peer]
	if c == nil {
		c = map[slotID]slot{}
		sk.contrib[peer] = c
	}
	old := c[id]
	c[id] = val
	var n uint64
	if id.d.Info().Std == stick.StdFreq {
		n = uint64(freqGrowth(old.f, val.f, period))
	} else if val.v >= old.v {
		n = val.v - old.v
	} else {
		n = val.v // the peer's contribution started over
	}
	// Local counts made since the last look are this process's: account
	// for them before adding the peer's, so that they are not taken for
	// the peer's afterwards.
	if g := st.grown(e, sk, id, period); g > 0 {
		if own := st.own.Peek(e.Key()); own != nil {
			own.Add(id.d, id.idx, g)
		}
	}
	if n == 0 {
		return
	}
	e.AddLearned(id.d, id.idx, n)
	// What was seen grows by what was added, and not by a local count
	// that lands meanwhile: that one is found at the next look.
	seen := sk.seen[id]
	if id.d.Info().Std == stick.StdFreq {
		seen.f = seen.f.AddFreq(period, stick.NowMs(), uint32(n))
	} else {
		seen.v += n
	}
	sk.seen[id] = seen
}

// freqGrowth is how many events a frequency counter counted between two
// of its states: within one period, what its current count grew by;
// across a rotation, the rest of the old period and the new one's. Ticks
// learned from a peer move by a few ms with the network's latency, so
// periods are told apart by half a period.
func freqGrowth(old, now stick.FreqState, period uint32) uint32 {
	if period == 0 {
		return 0
	}
	gap := now.Tick - old.Tick
	switch {
	case int32(gap) < 0 && uint32(-int32(gap)) < period/2, gap < period/2:
		if now.Curr >= old.Curr {
			return now.Curr - old.Curr
		}
		return now.Curr
	case gap < period+period/2:
		n := now.Curr
		if now.Prev > old.Curr {
			n += now.Prev - old.Curr
		}
		return n
	}
	return now.Curr + now.Prev
}
