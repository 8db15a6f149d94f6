package backend

// AssignIDs numbers the servers whose ID is 0 the way haproxy does. A
// counter starts at 1; walking the servers in order, an unnumbered server
// takes the first ID at or above the counter that no server uses, and the
// counter then moves one past the ID it took (one up for a server with an
// explicit id). So with no `id` keyword the IDs are the 1-based positions,
// but `server a id 2` followed by `server b` gives b the ID 3, and a, b id 1,
// c numbers a 2 and c 4. The IDs matter: consistent hashing places each
// server's points by ID.
func AssignIDs(servers []*Server) {
	used := make(map[int]bool, len(servers))
	for _, s := range servers {
		if s.ID > 0 {
			used[s.ID] = true
		}
	}
	next := 1
	for _, s := range servers {
		if s.ID == 0 {
			for used[next] {
				next++
			}
			s.ID = next
			used[next] = true
		}
		next++
	}
}
