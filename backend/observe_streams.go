package backend

import (
	"errors"
	"sync"
)

// Streams cut on state changes: `on-marked-down shutdown-sessions` cuts a
// server's streams when it goes down (or into maintenance), and
// `on-marked-up shutdown-backup-sessions` on an active server cuts the
// streams of every backup server of its backend when it comes up with a
// weight. The data plane registers each stream that uses a server with
// AttachStream; a server that nothing can cut registers nothing.

// Why a stream was cut: haproxy logs them with the termination codes 'D'
// (SF_ERR_DOWN) and 'U' (SF_ERR_UP).
var (
	ErrServerDown = errors.New("server marked down (on-marked-down shutdown-sessions)")
	ErrServerUp   = errors.New("active server marked up (on-marked-up shutdown-backup-sessions)")
)

// streamSet holds the cut functions of a server's streams.
type streamSet struct {
	mu   sync.Mutex
	next uint64
	m    map[uint64]func(error)
}

func noDetach() {}

// AttachStream registers a stream (a request or a tunnel) that uses the
// server, for as long as it does: cut is called, at most once and from
// another goroutine, if a state change must end it, with ErrServerDown or
// ErrServerUp; it must make the stream end soon (close its connections or
// cancel its context) and not block. The stream calls detach when it
// stops using the server. When no option can cut the server's streams
// this costs an atomic load and detach does nothing.
func (s *Server) AttachStream(cut func(cause error)) (detach func()) {
	if !s.cuttable.Load() {
		return noDetach
	}
	ss := &s.streams
	ss.mu.Lock()
	if ss.m == nil {
		ss.m = map[uint64]func(error){}
	}
	ss.next++
	id := ss.next
	ss.m[id] = cut
	ss.mu.Unlock()
	return func() {
		ss.mu.Lock()
		delete(ss.m, id)
		ss.mu.Unlock()
	}
}

// cut ends every registered stream with cause; each is cut once (it is
// forgotten here, its detach then does nothing).
func (ss *streamSet) cut(cause error) {
	ss.mu.Lock()
	cuts := make([]func(error), 0, len(ss.m))
	for id, f := range ss.m {
		cuts = append(cuts, f)
		delete(ss.m, id)
	}
	ss.mu.Unlock()
	for _, f := range cuts {
		f(cause)
	}
}

// Streams returns the number of streams registered for cutting (for
// tests and stats).
func (s *Server) Streams() int {
	s.streams.mu.Lock()
	defer s.streams.mu.Unlock()
	return len(s.streams.m)
}

// setCuttable decides, for the servers of one backend, which must
// register their streams: those with on-marked-down, and the backup
// servers when an active server has on-marked-up.
func setCuttable(servers []*Server) {
	upCuts := false
	for _, s := range servers {
		set := s.Settings()
		upCuts = upCuts || set.OnMarkedUp && !set.Backup
	}
	for _, s := range servers {
		set := s.Settings()
		s.cuttable.Store(set.OnMarkedDown || upCuts && set.Backup)
	}
}
