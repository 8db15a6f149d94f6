package runtimeapi

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"switchyard/peers"
)

// show peers [dict|-] [<section>], peers.c's dump in haproxy 2.6's layout:
// for each running peers section (the last declared first, as haproxy
// links them), a head line, then each peer (the last line first, the
// local one among them) with its last handshake, timers, counters, its
// session, and the tables it shares. "dict" adds the dictionary caches
// (server_key values) of each peer's session; "-" lets a section be
// named "dict". Any level may ask, as in haproxy.
//
// Fields that are haproxy's internals print honest values: pointers are
// the addresses of switchyard's own objects (section, peer, session,
// table), task_calls is 0 (no scheduler task runs a section or a
// session), st1 is 0, and the stream state of a session is EST (a
// session exists only on a connected socket) or CLO once closed. An
// outgoing session prints no xprt/src/addr line, as haproxy's (its
// stream has no client connection); an incoming one does.

func init() {
	handlers["show peers"] = cmdShowPeers
}

func cmdShowPeers(c *call) {
	args := c.args
	dict := false
	switch arg(args, 2) {
	case "dict":
		dict = true
		args = args[1:]
	case "-":
		args = args[1:]
	}
	var secs []peers.SectionStatus
	if m := c.s.srv.surf.Runtime().Peers(); m != nil {
		secs = m.Status()
	}
	if name := arg(args, 2); name != "" {
		var found []peers.SectionStatus
		for _, s := range secs {
			if s.Name == name {
				found = append(found, s)
				break
			}
		}
		if found == nil {
			c.err("No such peers\n")
			return
		}
		secs = found
	}
	now := time.Now()
	for i := len(secs) - 1; i >= 0; i-- {
		if i != len(secs)-1 {
			c.text = append(c.text, '\n')
		}
		c.text = appendPeersHead(c.text, &secs[i], now)
		for j := range secs[i].Peers {
			c.text = appendPeer(c.text, &secs[i].Peers[j], dict, now)
		}
	}
}

func appendPeersHead(b []byte, s *peers.SectionStatus, now time.Time) []byte {
	t := s.Started.Local()
	return fmt.Appendf(b, "0x%x: [%02d/%s/%04d:%02d:%02d:%02d] id=%s disabled=0 flags=0x%x resync_timeout=%s task_calls=0\n",
		s.ID, t.Day(), t.Month().String()[:3], t.Year(), t.Hour(), t.Minute(), t.Second(),
		s.Name, s.Flags, peersTimer(s.ResyncExpiry, now))
}

// peersTimer prints a timer as haproxy does: <NEVER> unset, <PAST> gone,
// else the time left.
func peersTimer(at, now time.Time) string {
	switch {
	case at.IsZero():
		return "<NEVER>"
	case !at.After(now):
		return "<PAST>"
	}
	return humanTime(at.Sub(now))
}

// humanTime is haproxy's human_time in seconds: the two largest units
// among days, hours, minutes and seconds ("4s", "1m30s", "2d3h"), "0s"
// for less than a second.
func humanTime(d time.Duration) string {
	t := int(d / time.Second)
	if t < 0 {
		return "?"
	}
	var b strings.Builder
	n := 2
	if t >= 86400 {
		fmt.Fprintf(&b, "%dd", t/86400)
		n--
	}
	if n > 0 && t%86400/3600 != 0 {
		fmt.Fprintf(&b, "%dh", t%86400/3600)
		n--
	}
	if n > 0 && t%3600/60 != 0 {
		fmt.Fprintf(&b, "%dm", t%3600/60)
		n--
	}
	if n > 0 && t%60 != 0 || t == 0 {
		fmt.Fprintf(&b, "%ds", t%60)
	}
	return b.String()
}

// peerStatusName is haproxy's name of a handshake status.
func peerStatusName(code int) string {
	switch code {
	case peers.StatusConnect:
		return "CONN"
	case peers.StatusConnected:
		return "HSHK"
	case 200:
		return "ESTA"
	case 300:
		return "RETR"
	case 501:
		return "PROT"
	case 502:
		return "VERS"
	case 503:
		return "NAME"
	case 504:
		return "UNKN"
	}
	return "NONE"
}

// peerAddr prints an address as haproxy's addr_to_str and port: the IP
// (an IPv6 one without brackets), a colon, the port.
func peerAddr(addr string) string {
	for _, p := range []string{"ipv4@", "ipv6@", "tcp@", "tcp4@", "tcp6@"} {
		addr = strings.TrimPrefix(addr, p)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host, port = addr, "0"
	}
	if host == "" {
		host = "0.0.0.0"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 {
		port = "0"
	}
	return host + ":" + port
}

func appendPeer(b []byte, p *peers.PeerStatus, dict bool, now time.Time) []byte {
	where, active := "remote", "inactive"
	if p.Local {
		where = "local"
	}
	if p.Active {
		active = "active"
	}
	hdshk := "<NEVER>"
	if !p.LastHandshake.IsZero() {
		hdshk = humanTime(now.Sub(p.LastHandshake))
	}
	b = fmt.Appendf(b, "  0x%x: id=%s(%s,%s) addr=%s last_status=%s last_hdshk=%s\n",
		p.ID, p.Name, where, active, peerAddr(p.Addr), peerStatusName(p.Status), hdshk)
	b = fmt.Appendf(b, "        reconnect=%s heartbeat=%s confirm=%d tx_hbt=%d rx_hbt=%d no_hbt=%d new_conn=%d proto_err=%d coll=%d\n",
		peersTimer(p.Reconnect, now), peersTimer(p.Heartbeat, now), p.Confirm, p.TxHeartbeats, p.RxHeartbeats,
		p.NoHeartbeat, p.NewConn, p.ProtoErr, p.Collisions)
	b = fmt.Appendf(b, "        flags=0x%x", p.Flags)
	if ss := p.Session; ss != nil {
		b = fmt.Appendf(b, " appctx:0x%x st0=%d st1=0 task_calls=0 state=%s", ss.ID, ss.St0, ss.State)
		if ss.Incoming {
			xprt := "RAW"
			if ss.TLS {
				xprt = "SSL"
			}
			b = fmt.Appendf(b, "\n        xprt=%s", xprt)
			if a, ok := ss.Src.(*net.TCPAddr); ok {
				b = fmt.Appendf(b, " src=%s:%d", a.IP, a.Port)
			}
			if a, ok := ss.Dst.(*net.TCPAddr); ok {
				b = fmt.Appendf(b, " addr=%s:%d", a.IP, a.Port)
			}
		}
	}
	if t := p.RemoteTable; t != nil {
		b = fmt.Appendf(b, "\n        remote_table:0x%x id=%s local_id=%d remote_id=%d", t.ID, t.Name, t.LocalID, t.RemoteID)
	}
	if t := p.LastLocalTable; t != nil {
		b = fmt.Appendf(b, "\n        last_local_table:0x%x id=%s local_id=%d remote_id=%d", t.ID, t.Name, t.LocalID, t.RemoteID)
	}
	if len(p.Tables) > 0 {
		b = append(b, "\n        shared tables:"...)
	}
	for _, t := range p.Tables {
		b = fmt.Appendf(b, "\n          0x%x local_id=%d remote_id=%d flags=0x%x remote_data=0x%x",
			t.ID, t.LocalID, t.RemoteID, t.Flags, t.RemoteData)
		b = fmt.Appendf(b, "\n              last_acked=%d last_pushed=%d last_get=%d teaching_origin=%d update=%d",
			t.LastAcked, t.LastPushed, t.LastGet, t.TeachingOrigin, t.Update)
		b = fmt.Appendf(b, "\n              table:0x%x id=%s update=%d localupdate=%d commitupdate=%d refcnt=%d",
			t.TableID, t.TableName, t.TableUpdate, t.LocalUpdate, t.CommitUpdate, t.RefCnt)
		if !dict {
			b = append(b, "\n        Dictionary cache not dumped (use \"show peers dict\")"...)
			continue
		}
		b = append(b, "\n        TX dictionary cache:"...)
		b = appendDict(b, p.TxDict, len(p.TxDict))
		b = append(b, "\n        RX dictionary cache:"...)
		b = appendDict(b, p.RxDict, len(p.RxDict))
	}
	return append(b, '\n')
}

// appendDict lists n slots of a dictionary cache, four to a line, "-" for
// a free one.
func appendDict(b []byte, vals []string, n int) []byte {
	for i := 0; i < n; i++ {
		if i%4 == 0 {
			b = append(b, "\n        "...)
		}
		v := vals[i]
		if v == "" {
			v = "-"
		}
		b = fmt.Appendf(b, "  %3d -> %s", i, v)
	}
	return b
}
