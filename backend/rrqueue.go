package backend

// rrQueue is a min-heap of roundrobin servers ordered by key and, for equal
// keys, by insertion order: haproxy keeps these servers in ebtrees, which
// place a duplicate key after the existing ones, and the pick order depends
// on that.
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
	for i := len(q.items) - 1; i > 0; {
		p := (i - 1) / 2
		if !q.less(i, p) {
			break
		}
		q.items[i], q.items[p] = q.items[p], q.items[i]
		i = p
	}
}

// peek returns the first server without removing it.
func (q *rrQueue) peek() (*rrServer, bool) {
	if len(q.items) == 0 {
		return nil, false
	}
	return q.items[0].s, true
}

// pop removes the first server.
func (q *rrQueue) pop() {
	n := len(q.items) - 1
	q.items[0] = q.items[n]
	q.items = q.items[:n]
	for i := 0; ; {
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
