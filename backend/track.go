package backend

// track: a server with `track [backend/]server` has no check of its own;
// it follows the state of the server it tracks. Going down, NOLB or up,
// and entering or leaving maintenance or drain, pass from a server to its
// trackers (haproxy's srv_set_* and srv_*_admin_flag walk s->trackers),
// the admin flags as inherited ones (AdminIMaint, AdminIDrain), and their
// log lines say "via backend/server".

// trackerList returns the servers that track s.
func (s *Server) trackerList() []*Server {
	if p := s.trackers.Load(); p != nil {
		return *p
	}
	return nil
}

// Tracked returns the server s tracks, or nil.
func (s *Server) Tracked() *Server { return s.track.Load() }

// linkTracks connects the staged servers to those they track, by
// "backend/server" name. The configuration was validated (the tracked
// server exists, with a check or an agent or tracking another one, and
// there is no loop): a name that is not found is left unlinked.
func (g *Stage) linkTracks() {
	trackers := map[*Server][]*Server{}
	for _, s := range g.servers {
		t := g.servers[s.Settings().Track]
		if s.Settings().Track == "" || t == s {
			t = nil
		}
		s.track.Store(t)
		if t != nil {
			trackers[t] = append(trackers[t], s)
		}
	}
	for _, s := range g.servers {
		if l := trackers[s]; l != nil {
			// Declaration order, as haproxy's list (which it builds
			// head first, so newest first: the order of the lines in
			// the log then differs, not what they say).
			sortServers(l)
			s.trackers.Store(&l)
		} else {
			s.trackers.Store(nil)
		}
	}
}

// syncTracks gives each tracking server the state of the server it
// tracks, without log lines: at start-up, or when a reload starts
// tracking, the tracker takes the state the tracked server already has, as
// haproxy's servers take theirs at start-up (srv_compute_all_admin_states).
// Tracked servers come first, so that chains settle in one pass.
// reg.smu is held.
func (g *Stage) syncTracks() {
	done := map[*Server]bool{}
	var sync func(s *Server)
	sync = func(s *Server) {
		if done[s] {
			return
		}
		done[s] = true
		t := s.track.Load()
		if t == nil {
			return
		}
		sync(t)
		top, tadm := t.State()
		op, adm := s.State()
		adm &^= AdminIMaint | AdminIDrain
		if tadm&(AdminMaint|AdminCMaint) != 0 {
			adm |= AdminIMaint
		}
		if tadm&AdminDrain != 0 {
			adm |= AdminIDrain
		}
		switch {
		case adm&AdminMaint != 0 || tadm&AdminMaint != 0 || top == Stopped:
			op = Stopped
		case top == Stopping:
			op = Stopping
		case op == Stopped || op == Stopping:
			op = Running
		}
		s.setState(op, adm)
	}
	for _, s := range g.servers {
		sync(s)
	}
}

func sortServers(l []*Server) {
	// Insertion sort by configured id: lists are short.
	for i := 1; i < len(l); i++ {
		for j := i; j > 0 && less(l[j], l[j-1]); j-- {
			l[j], l[j-1] = l[j-1], l[j]
		}
	}
}

func less(a, b *Server) bool {
	if a.be != b.be {
		return a.be.Name < b.be.Name
	}
	return a.Settings().ID < b.Settings().ID
}
