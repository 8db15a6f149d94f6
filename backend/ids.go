package backend

// AssignIDs numbers the servers whose ID is 0 (ids in declaration order) the way haproxy does. A
// counter starts at 1; walking the servers in order, an unnumbered server
// takes the first ID at or above the counter that no server uses, and the
// counter then moves one past the ID it took (one up for a server with an
// explicit id). So with no `id` keyword the IDs are the 1-based positions,
// but `server a id 2` followed by `server b` gives b the ID 3, and a, b id 1,
// c numbers a 2 and c 4. The IDs matter: consistent hashing places each
// server's points by ID.
func AssignIDs(ids []int) {
	used := make(map[int]bool, len(ids))
	for _, id := range ids {
		if id > 0 {
			used[id] = true
		}
	}
	next := 1
	for i, id := range ids {
		if id == 0 {
			for used[next] {
				next++
			}
			ids[i] = next
			used[next] = true
		}
		next++
	}
}
