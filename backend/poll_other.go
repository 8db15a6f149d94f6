//go:build !linux

package backend

// pollReadable finds nothing where poll(2) is not wired: a connection the
// server closed is then noticed when it is next taken (the proxy checks it
// before sending) or purged.
func pollReadable(fds []int) []int { return nil }
