package peers

import (
	"context"
	"crypto/tls"
	"net"
	"strconv"
	"sync"
	"time"
)

// The hand-over on a binary upgrade, as haproxy's: the process that
// leaves connects to its own peers address, where the process replacing
// it listens too (SO_REUSEPORT), under its own name, and teaches it every
// entry before it exits. The new process takes that lesson as its resync.

// HandOver teaches each section's tables to the process that replaces
// this one, if there is one, then stops the sections; it takes at most d.
func (m *Manager) HandOver(d time.Duration) {
	m.mu.Lock()
	secs := m.sections
	m.sections = map[string]*Section{}
	m.mu.Unlock()
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for _, s := range secs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.handOver(deadline)
			s.Close()
		}()
	}
	wg.Wait()
}

func (s *Section) handOver(deadline time.Time) {
	addr := s.ln.Addr().(*net.TCPAddr)
	// Our listener goes first, so that our own connection reaches the
	// successor's.
	s.ln.Close()
	ip := addr.IP
	if ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
		if addr.IP.To4() == nil {
			ip = net.IPv6loopback
		}
	}
	target := net.JoinHostPort(ip.String(), strconv.Itoa(addr.Port))
	s.mu.Lock()
	s.resynced = true // a leaving process asks nobody for a lesson
	p := &peer{name: s.cfg.Local, local: true, acked: map[*shared]uint32{},
		dialWake: make(chan struct{}, 1), stop: make(chan struct{})}
	s.mu.Unlock()
	ctx, cancel := context.WithDeadline(s.ctx, deadline)
	defer cancel()
	var c net.Conn
	var err error
	nd := &net.Dialer{}
	if s.cfg.ListenTLS != nil {
		cfg, cerr := (&TLS{Crt: s.cfg.ListenTLS.Crt, Verify: "none"}).config(false)
		if cerr != nil {
			return
		}
		c, err = (&tls.Dialer{NetDialer: nd, Config: cfg}).DialContext(ctx, "tcp", target)
	} else {
		c, err = nd.DialContext(ctx, "tcp", target)
	}
	if err != nil {
		return // nobody replaces us
	}
	ss := newSession(s, p, c, nil, false)
	s.mu.Lock()
	s.local, p.sess = p, ss
	s.mu.Unlock()
	stop := time.AfterFunc(time.Until(deadline), ss.close)
	defer stop.Stop()
	defer ss.close()
	if err := ss.hello(); err != nil {
		s.log.Debug("peers hand-over refused", "err", err)
		return
	}
	ss.control(ctrlResyncReq)
	done := make(chan struct{})
	go func() {
		ss.run()
		close(done)
	}()
	// Poll for the successor's confirmation, within the deadline.
	for {
		ss.mu.Lock()
		confirmed := !ss.teach
		ss.mu.Unlock()
		if confirmed {
			s.log.Info("peers tables handed over", "to", target)
			return
		}
		select {
		case <-done:
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
}
