package backend

// rrQueue is a min-heap of roundrobin servers ordered by key and, for equal
// keys, by insertion order: haproxy keeps these servers in ebtrees, which
// place a duplicate key after the existing ones, and the pick order depends
// on that. A server records the queue it is in (rrServer.tree).
type rrQueue struct {
	items []rrItem
	seq   uint64
}

type rrItem struct {
	key uint32
	seq uint64
	s   *rrServer
}

func (q *rrQueue) less(i, j int) bool {
	a, b := &q.items[i], &q.items[j]
	return a.key < b.key || a.key == b.key && a.seq < b.seq
}

// push adds s with the given key.
func (q *rrQueue) push(s *rrServer, key uint32) {
	q.seq++
	q.items = append(q.items, rrItem{key, q.seq, s})
	s.tree = q
	q.up(len(q.items) - 1)
}

// pushWeight adds s ranked by weight, heaviest first (init and next).
func (q *rrQueue) pushWeight(s *rrServer) { q.push(s, ewghtRange-s.ew) }

// peek returns the first server without removing it.
func (q *rrQueue) peek() (*rrServer, bool) {
	if len(q.items) == 0 {
		return nil, false
	}
	return q.items[0].s, true
}

// pop removes the first server.
func (q *rrQueue) pop() { q.removeAt(0) }

// remove takes s out of the queue, wherever it is (a state change, not a
// pick: a linear search is fine).
func (q *rrQueue) remove(s *rrServer) {
	for i := range q.items {
		if q.items[i].s == s {
			q.removeAt(i)
			return
		}
	}
}

func (q *rrQueue) removeAt(i int) {
	n := len(q.items) - 1
	q.items[i] = q.items[n]
	q.items[n] = rrItem{}
	q.items = q.items[:n]
	if i < n {
		q.down(i)
		q.up(i)
	}
}

func (q *rrQueue) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !q.less(i, p) {
			return
		}
		q.items[i], q.items[p] = q.items[p], q.items[i]
		i = p
	}
}

func (q *rrQueue) down(i int) {
	n := len(q.items)
	for {
		m, l, r := i, 2*i+1, 2*i+2
		if l < n && q.less(l, m) {
			m = l
		}
		if r < n && q.less(r, m) {
			m = r
		}
		if m == i {
			return
		}
		q.items[i], q.items[m] = q.items[m], q.items[i]
		i = m
	}
}
