package backend

import "time"

// slowstart: a server that comes back up (from down, NOLB or maintenance,
// never at start-up) is Starting for its slowstart time, and its weight
// and connection limit ramp up meanwhile, as haproxy's
// server_recalc_eweight, server_warmup and srv_dynamic_maxconn do. haproxy
// counts in whole seconds: the slowstart is rounded up to a second, and
// the time elapsed is the difference of the epoch seconds of now and of the
// last state change, so the ramp moves in steps of one second.

// dynamicWeights says whether the backend's algorithm takes weight changes
// at run time (haproxy's BE_LB_PROP_DYN): all but static-rr and map-based
// hashing, whose maps are built once. Only those ramp their weight during
// a slowstart and accept any weight from an agent.
func dynamicWeights(a Algorithm) bool {
	switch {
	case a.Kind == StaticRR:
		return false
	case a.Hashes() && a.HashType == MapBased:
		return false
	}
	return true
}

// slowstartSecs is haproxy's sv->slowstart: seconds, rounded up.
func slowstartSecs(d time.Duration) int64 {
	return int64((d + time.Second - 1) / time.Second)
}

// warming says whether the server is ramping up at now, and if so how
// many whole seconds of its slowstart (ss) have passed.
func (s *Server) warming(now time.Time) (elapsed, ss int64, ok bool) {
	if op, _ := s.State(); op != Starting {
		return 0, 0, false
	}
	ss = slowstartSecs(s.Settings().SlowStart)
	if ss == 0 {
		return 0, 0, false
	}
	s.mu.Lock()
	lc := s.health.lastChange
	s.mu.Unlock()
	elapsed = now.Unix() - lc.Unix()
	if elapsed < 0 || elapsed >= ss {
		return elapsed, ss, false
	}
	return elapsed, ss, true
}

// eweight16 is the server's effective weight in sixteenths of its weight
// unit, haproxy's next_eweight for a dynamic algorithm (BE_WEIGHT_SCALE
// 16): uweight*16 at full speed, uweight*((16*elapsed+ss)/ss) while it
// warms up, so from 1/16th of its weight to all of it. A static algorithm
// does not ramp.
func (s *Server) eweight16(now time.Time) int {
	uw := int(s.uweight.Load())
	if !dynamicWeights(s.be.set().Algo) {
		return uw * weightScale
	}
	elapsed, ss, ok := s.warming(now)
	if !ok {
		return uw * weightScale
	}
	return uw * int((weightScale*elapsed+ss)/ss)
}

// eweight is the server's weight in force, in whole units rounded up (a
// server that warms up must still be picked at all); the balancers that
// ramp (roundrobin, leastconn, the consistent ring) use the exact
// sixteenths, Member.EW.
func (s *Server) eweight() int {
	return (s.eweight16(s.be.reg.clock()) + weightScale - 1) / weightScale
}

// Throttle scales a connection limit during the slowstart as haproxy's
// srv_dynamic_maxconn: max*elapsed/slowstart, at least 1; the limit
// itself otherwise. queue.go's maxConn should end with it.
func (s *Server) Throttle(limit int) int {
	if op, _ := s.State(); op != Starting {
		return limit // the usual case, without a clock read
	}
	elapsed, ss, ok := s.warming(s.be.reg.clock())
	if !ok {
		return limit
	}
	ratio := int(100 * elapsed / ss)
	return max(1, limit*ratio/100)
}

// throttleRatio is send-state's "throttle" percentage, 0 when the server
// does not warm up.
func (s *Server) throttleRatio() int {
	elapsed, ss, ok := s.warming(s.be.reg.clock())
	if !ok {
		return 0
	}
	return max(1, int(100*elapsed/ss))
}

// warmupStep is haproxy's warmup period: every max(1s, slowstart/20ms)
// (haproxy divides its slowstart in seconds as if it were milliseconds,
// so in practice every second) while the server is Starting, during a
// slowstart, its weight is recomputed and the balancer rebuilt; once the
// slowstart is over the server is Running (and haproxy logs it UP again,
// as srv_update_status sees a change to RUNNING). More queued requests
// may then take its slots.
func (s *Server) warmupStep() {
	reg := s.be.reg
	reg.smu.Lock()
	op, adm := s.State()
	if adm&AdminMaint != 0 || op != Starting {
		reg.smu.Unlock()
		return
	}
	next := Starting
	if _, _, ok := s.warming(reg.clock()); !ok {
		next = Running
	}
	s.update(next, adm, nil, "")
	reg.smu.Unlock()
	b := s.be
	b.qmu.Lock()
	b.dispatch(s)
	b.qmu.Unlock()
	if op, _ := s.State(); op == Starting {
		s.scheduleWarmup()
	}
}

// warmupPeriod is haproxy's MAX(1000, s->slowstart / 20) in milliseconds,
// with s->slowstart in seconds.
func warmupPeriod(slowstart time.Duration) time.Duration {
	return max(time.Second, time.Duration(slowstartSecs(slowstart)/20)*time.Millisecond)
}

// scheduleWarmup plans the next warmup step.
func (s *Server) scheduleWarmup() {
	d := warmupPeriod(s.Settings().SlowStart)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.warmup != nil {
		s.warmup.Stop()
	}
	var t *time.Timer
	// The callback takes s.mu, which is held until t is stored: it sees
	// its own timer.
	t = s.be.reg.after(d, func() {
		s.mu.Lock()
		mine := s.warmup == t
		if mine {
			s.warmup = nil
		}
		s.mu.Unlock()
		if mine {
			s.warmupStep()
		}
	})
	s.warmup = t
}

// stopWarmup cancels the next warmup step (the server left).
func (s *Server) stopWarmup() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.warmup != nil {
		s.warmup.Stop()
		s.warmup = nil
	}
}

// EWeight is the server's effective weight as the statistics show it:
// the weight in force, scaled down during a slowstart; 0 in a backend
// that does not balance, where haproxy computes none (implicit.go).
func (s *Server) EWeight() int {
	if s.be != nil && s.be.implicit.Load() != nil {
		return 0
	}
	return s.eweight()
}

// ThrottlePct is how far a slowstart has gone, in percent; ok is false
// when the server is not starting.
func (s *Server) ThrottlePct() (pct int, ok bool) {
	if op, adm := s.State(); op != Starting || adm&AdminDrain != 0 {
		return 0, false
	}
	return s.throttleRatio(), true
}
