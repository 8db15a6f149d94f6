package peers

import (
	"context"
	"net"
	"strconv"
	"time"
)

// Peers found by DNS (switchyard's extension, "discover dns"): every
// address the name resolves to is a peer listening on the given port,
// named "ADDR:PORT" on the wire. The address that is ours is this process:
// it names us to the others and is not dialled.

func (s *Section) discoverLoop() {
	defer s.wg.Done()
	d := s.cfg.Discover
	res := net.DefaultResolver
	if d.Resolver != "" {
		res = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var dl net.Dialer
			return dl.DialContext(ctx, network, d.Resolver)
		}}
	}
	for {
		ctx, cancel := context.WithTimeout(s.ctx, max(d.Interval, time.Second))
		addrs, err := res.LookupIPAddr(ctx, d.Name)
		cancel()
		if err != nil {
			if s.ctx.Err() != nil {
				return
			}
			// A failed lookup keeps the peers known: DNS that
			// hiccups must not cut a mesh that works.
			s.log.Warn("peers discovery failed", "name", d.Name, "err", err)
		} else {
			s.discovered(addrs)
		}
		t := time.NewTimer(d.Interval)
		select {
		case <-s.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// discovered puts the addresses found in force: new peers are dialled,
// peers no longer found are dropped.
func (s *Section) discovered(addrs []net.IPAddr) {
	port := strconv.Itoa(s.cfg.Discover.Port)
	_, lport, _ := net.SplitHostPort(s.ln.Addr().String())
	found := map[string]bool{}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range addrs {
		name := net.JoinHostPort(a.IP.String(), port)
		if port == lport && s.isLocalIP(a.IP) {
			s.self = name
			continue
		}
		found[name] = true
		p := s.peers[name]
		switch {
		case p == nil:
			p = s.addLocked(name, name, false, s.cfg.DiscoverTLS)
			p.discovered = true
		case p.static:
		case !p.discovered && s.ctx.Err() == nil:
			// It connected to us first: dial it too from now on.
			p.discovered, p.addr, p.tls = true, name, s.cfg.DiscoverTLS
			s.wg.Add(1)
			go s.dialLoop(p)
		}
	}
	for name, p := range s.peers {
		if p.discovered && !found[name] {
			s.dropLocked(p)
			delete(s.peers, name)
		}
	}
}

// isLocalIP says whether an address is this process's: the one it listens
// on, or any of the host's when it listens on all.
func (s *Section) isLocalIP(ip net.IP) bool {
	if ip == nil {
		return false
	}
	h, _, _ := net.SplitHostPort(s.ln.Addr().String())
	if l := net.ParseIP(h); l != nil && !l.IsUnspecified() {
		return l.Equal(ip)
	}
	ifaddrs, _ := net.InterfaceAddrs()
	for _, a := range ifaddrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.Equal(ip) {
			return true
		}
	}
	return false
}
