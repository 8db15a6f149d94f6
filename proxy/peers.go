package proxy

import (
	"time"

	"switchyard/config"
	"switchyard/peers"
	"switchyard/stick"
)

// The peers sections run beside the proxies: each applied configuration
// tells the peers manager which sections exist, with the snapshot's tables
// (the long-lived ones, so a reload that keeps a section keeps its
// sessions and what it learned).

// applyPeers puts the configuration's peers sections in force. A section
// that cannot listen is logged and left out; the rest of the
// configuration is in force already.
func (rt *Runtime) applyPeers(cfg *config.Config, snap *Snapshot) {
	secs := peersSections(cfg, snap.tables)
	if rt.peers == nil {
		if len(secs) == 0 {
			return
		}
		rt.peers = peers.NewManager(rt.Log)
	}
	if err := rt.peers.Apply(secs); err != nil {
		rt.Log.Error("peers", "err", err)
	}
}

// stopPeers ends every peers session, once the process's connections are
// over: the tables, then final, are handed to the process that replaces
// this one, if any (within handOverTime).
func (rt *Runtime) stopPeers() {
	rt.applyMu.Lock()
	defer rt.applyMu.Unlock()
	if rt.peers == nil {
		return
	}
	if rt.softStop.Load() {
		rt.peers.HandOver(handOverTime)
		return
	}
	rt.peers.Close()
}

// SoftStop says that the coming Stop is haproxy's soft stop (SIGUSR1, or
// the old process of a binary upgrade): the peers tables are then handed
// to the process that replaces this one. A hard stop (SIGTERM, SIGINT)
// hands nothing over, as haproxy's.
func (rt *Runtime) SoftStop() { rt.softStop.Store(true) }

// handOverTime bounds the hand-over of the tables at stop.
const handOverTime = 2 * time.Second

// Peers is the running peers sections (nil when none ever ran).
func (rt *Runtime) Peers() *peers.Manager { return rt.peers }

func peersSections(cfg *config.Config, tables map[string]*stick.Table) []peers.SectionConfig {
	var out []peers.SectionConfig
	for _, ps := range config.PeersSections(cfg) {
		if !ps.Active() {
			continue
		}
		sc := peers.SectionConfig{Name: ps.Name, Local: ps.Local, Listen: ps.Listen, Sum: ps.Sum, ListenTLS: peerTLS(ps.ListenTLS),
			LocalIndex: ps.LocalIndex()}
		for _, r := range ps.Remotes {
			sc.Remotes = append(sc.Remotes, peers.Remote{Name: r.Name, Addr: r.Addr, Shown: r.Written, TLS: peerTLS(r.TLS)})
		}
		// The tables in haproxy 2.6's order, which numbers them on the
		// wire and in show peers: the section's own tables, the last
		// declared first (haproxy prepends them to its list), then the
		// proxies', in order.
		own := map[string]bool{}
		for i := len(ps.Tables) - 1; i >= 0; i-- {
			own[ps.Tables[i].Name] = true
			if t := tables[ps.Tables[i].Name]; t != nil {
				sc.Tables = append(sc.Tables, t)
			}
		}
		for _, spec := range cfg.Tables() {
			if t := tables[spec.Name]; spec.Peers == ps.Name && t != nil && !own[spec.Name] {
				sc.Tables = append(sc.Tables, t)
			}
		}
		if d := ps.Discover; d != nil {
			sc.Discover = &peers.Discover{Name: d.Name, Port: d.Port, Interval: d.Interval, Resolver: d.Resolver}
			sc.DiscoverTLS = peerTLS(d.TLS)
		}
		out = append(out, sc)
	}
	return out
}

func peerTLS(t *config.PeerTLS) *peers.TLS {
	if t == nil {
		return nil
	}
	return &peers.TLS{Crt: t.Crt, CAFile: t.CAFile, Verify: t.Verify}
}
