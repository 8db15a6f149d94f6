package config

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"switchyard/internal/addrenv"
	"time"

	"switchyard/stick"
)

// peers sections: the peers that synchronise stick tables with haproxy's
// peers protocol (package peers), the tables they declare, and our
// extension, peers found by DNS (discover).

type peersKey struct{}

// PeersSection is a peers section as read.
type PeersSection struct {
	Name string
	Pos  Pos
	// Local is the local peer's name (-L, HAPROXY_LOCALPEER, else the
	// host name): which peer or server line is this process.
	Local string
	// LocalFound says a peer or server line named the local peer: without
	// one (and without discovery) haproxy removes the section.
	LocalFound bool
	// Listen is the local peer's address (its peer line or the bind
	// line), "" when there is none.
	Listen string
	// ListenTLS is the bind line's ssl settings (nil: plain TCP).
	ListenTLS *PeerTLS
	Remotes   []*PeerDef // the other peers, in order
	Tables    []*stick.Spec
	// Disabled sections keep their tables but synchronise nothing.
	Disabled bool
	// Shards is accepted for haproxy 2.9+ configurations; it changes
	// nothing here (our tables are not sharded).
	Shards   int
	Discover *Discover
	// Sum is "merge sum" (switchyard's): counters and rates add up
	// every peer's own counts instead of taking the last value pushed.
	Sum bool

	peerLine, bindLine bool
	bindPos, localPos  Pos
	defServer          *PeerTLS // default-server's ssl settings
	defBind            *PeerTLS // default-bind's
}

// PeerDef is a remote peer: its name, and where to connect ("" when its
// line gave no address: never connected to, as haproxy).
type PeerDef struct {
	Name string
	Addr string
	// Written is the address as the line gave it (show peers prints it
	// for a peer never connected to).
	Written string
	Pos     Pos
	TLS     *PeerTLS // nil: plain TCP
}

// PeerTLS is the ssl settings of a peers bind or server line: ssl, crt
// (the certificate and key, one PEM file), ca-file, verify.
type PeerTLS struct {
	SSL    bool
	Crt    string
	CAFile string
	Verify string // none, optional, required; "": the default (required)
}

// parseTLSOptions reads the ssl options of a peers bind or server line
// over def (default-server or default-bind); any other option is refused.
func parseTLSOptions(where string, opts []string, def *PeerTLS, bind bool) (*PeerTLS, error) {
	t := &PeerTLS{}
	if def != nil {
		*t = *def
	}
	for i := 0; i < len(opts); i++ {
		o := opts[i]
		arg := func() (string, error) {
			if i+1 >= len(opts) || opts[i+1] == "" {
				return "", fmt.Errorf("'%s' : '%s' expects an argument", where, o)
			}
			i++
			return opts[i], nil
		}
		var err error
		switch o {
		case "ssl":
			t.SSL = true
		case "no-ssl":
			t.SSL = false
		case "crt":
			t.Crt, err = arg()
		case "ca-file":
			t.CAFile, err = arg()
		case "verify":
			t.Verify, err = arg()
			if err == nil && t.Verify != "none" && t.Verify != "required" && (!bind || t.Verify != "optional") {
				err = fmt.Errorf("'%s' : unknown verify method '%s'", where, t.Verify)
			}
		default:
			return nil, refuseOptions(where, opts[i:])
		}
		if err != nil {
			return nil, err
		}
	}
	return t, nil
}

// finishTLS checks the settings of a line that is complete: nil when the
// line does not use ssl.
func finishTLS(where string, t *PeerTLS, bind bool) (*PeerTLS, error) {
	if t == nil || !t.SSL {
		return nil, nil
	}
	switch {
	case bind && t.Crt == "":
		return nil, fmt.Errorf("'%s' : 'ssl' needs a certificate ('crt')", where)
	case bind && t.Verify != "" && t.Verify != "none" && t.CAFile == "":
		return nil, fmt.Errorf("'%s' : verify is enabled but no CA file specified", where)
	case !bind && t.Verify != "none" && t.CAFile == "":
		return nil, fmt.Errorf("'%s' : verify is enabled by default but no CA file specified. If you're running on a LAN where you're certain to trust the server's certificate, please set an explicit 'verify none' statement on the 'server' line", where)
	}
	for _, f := range []string{t.Crt, t.CAFile} {
		if f == "" {
			continue
		}
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("'%s' : unable to stat SSL file '%s' : %v", where, f, err)
		}
	}
	return t, nil
}

// Discover is the switchyard extension "discover dns NAME port PORT
// [interval DUR] [resolver ADDR:PORT]": the addresses NAME resolves to are
// peers, listening on PORT.
type Discover struct {
	Name     string
	Port     int
	Interval time.Duration
	Resolver string // "": the system's
	// TLS is how discovered peers are reached: the section's
	// default-server ssl settings (nil: plain TCP).
	TLS *PeerTLS
}

// DefaultDiscoverInterval is how often discover resolves its name.
const DefaultDiscoverInterval = 5 * time.Second

// Active says whether the section synchronises: it is enabled and this
// process is one of its peers (or finds them by DNS).
func (s *PeersSection) Active() bool {
	return !s.Disabled && s.Listen != "" && (s.LocalFound || s.Discover != nil)
}

// LocalIndex is how many remote peer lines come before the local peer's
// line (show peers lists the peers in the order of their lines). With a
// bind line, haproxy makes the local peer there.
func (s *PeersSection) LocalIndex() int {
	at := s.localPos
	if s.bindLine {
		at = s.bindPos
	}
	n := 0
	for _, r := range s.Remotes {
		if r.Pos.File == at.File && r.Pos.Line < at.Line {
			n++
		}
	}
	return n
}

// PeersSections are the configuration's peers sections, in order.
func PeersSections(cfg *Config) []*PeersSection {
	l, _ := cfg.Global.Ext[peersKey{}].([]*PeersSection)
	return l
}

// LocalPeerName is the local peer name haproxy would use: -L, else the
// global section's localpeer, else HAPROXY_LOCALPEER (which the process
// sets to the host name, as haproxy does, unless -L sets it), else the
// host name.
func LocalPeerName(cmdline string, lookup func(string) (string, bool), g *Global) string {
	if cmdline != "" {
		return cmdline
	}
	if g != nil && g.LocalPeer != "" {
		return g.LocalPeer
	}
	if lookup != nil {
		if v, ok := lookup("HAPROXY_LOCALPEER"); ok && v != "" {
			return v
		}
	}
	h, _ := os.Hostname()
	return h
}

func init() {
	var cur *PeersSection
	sec := RegisterSection("peers", func(c *Context, args []string) error {
		cur = nil
		if len(args) == 0 || args[0] == "" {
			return fmt.Errorf("missing name for peers section.")
		}
		if len(args) > 1 {
			return fmt.Errorf("cannot handle unexpected argument '%s'.", args[1])
		}
		if i := strings.IndexFunc(args[0], func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.:", r))
		}); i >= 0 {
			return fmt.Errorf("character '%c' is not permitted in 'peers' name '%s'.", args[0][i], args[0])
		}
		g := c.Global()
		list := PeersSections(c.p.cfg)
		s := &PeersSection{Name: args[0], Pos: c.Pos(), Local: LocalPeerName(c.p.opt.LocalPeer, c.p.lookupEnv, g)}
		cur = s
		for _, o := range list {
			if o.Name == s.Name {
				g.Ext.Set(peersKey{}, append(list, s))
				return fmt.Errorf("peers section '%s' has the same name as another peers section declared at %s:%d.", s.Name, o.Pos.File, o.Pos.Line)
			}
		}
		g.Ext.Set(peersKey{}, append(list, s))
		return nil
	}, func(c *Context) error {
		s := cur
		cur = nil
		if s != nil && s.Discover != nil {
			t, err := finishTLS("discover", s.defServer, false)
			if err != nil {
				return err
			}
			s.Discover.TLS = t
		}
		if s != nil && !s.Disabled && !s.Active() {
			c.Warnf("Removing incomplete section 'peers %s' (no peer named '%s').", s.Name, s.Local)
		}
		return nil
	})
	delete(unsupportedSections, "peers")

	kw := func(name string, parse func(c *Context, s *PeersSection, args []string) error) {
		RegisterKeyword(sec, name, func(c *Context, args []string) error {
			if cur == nil {
				return nil // the header line failed and said so
			}
			return parse(c, cur, args)
		})
	}
	kw("peer", func(c *Context, s *PeersSection, args []string) error { return parsePeerLine(c, s, "peer", args) })
	kw("server", func(c *Context, s *PeersSection, args []string) error { return parsePeerLine(c, s, "server", args) })
	kw("bind", func(c *Context, s *PeersSection, args []string) error {
		if s.peerLine {
			return fmt.Errorf("mixing \"peer\" and \"bind\" line is forbidden")
		}
		if len(args) == 0 || args[0] == "" {
			return fmt.Errorf("missing address")
		}
		if s.bindLine {
			return fmt.Errorf("One listener per \"peers\" section is authorized but another is already configured at [%s:%d].", s.bindPos.File, s.bindPos.Line)
		}
		if err := checkListenAddr(args[0], "bind "+args[0]); err != nil {
			return err
		}
		t, err := parseTLSOptions("bind "+args[0], args[1:], s.defBind, true)
		if err == nil {
			t, err = finishTLS("bind "+args[0], t, true)
		}
		if err != nil {
			return err
		}
		s.bindLine, s.bindPos, s.Listen, s.ListenTLS = true, c.Pos(), args[0], t
		return nil
	})
	kw("default-bind", func(c *Context, s *PeersSection, args []string) error {
		t, err := parseTLSOptions("default-bind", args, s.defBind, true)
		if err == nil {
			s.defBind = t
		}
		return err
	})
	kw("default-server", func(c *Context, s *PeersSection, args []string) error {
		t, err := parseTLSOptions("default-server", args, s.defServer, false)
		if err == nil {
			s.defServer = t
		}
		return err
	})
	kw("table", func(c *Context, s *PeersSection, args []string) error {
		if len(args) == 0 || args[0] == "" {
			return fmt.Errorf("missing table name.")
		}
		// haproxy names the table "/<table>" on the wire (the
		// configuration's name from the slash on): peers must agree.
		name := s.Name + "/" + args[0]
		spec, err := ParseStickTable(args[1:], name, name[len(s.Name):], true, func(m string) { c.Warnf("table: %s", m) })
		if err != nil {
			return fmt.Errorf("table: %v", err)
		}
		spec.Peers = s.Name
		for _, o := range s.Tables {
			if o.Name == spec.Name {
				return fmt.Errorf("table: table '%s' is declared twice in peers section '%s'.", args[0], s.Name)
			}
		}
		s.Tables = append(s.Tables, spec)
		c.Later(func(cfg *Config) error { return checkTableName(cfg, spec) })
		return nil
	})
	kw("disabled", func(c *Context, s *PeersSection, args []string) error {
		s.Disabled = true
		return nil
	})
	kw("enabled", func(c *Context, s *PeersSection, args []string) error {
		s.Disabled = false
		return nil
	})
	kw("shards", func(c *Context, s *PeersSection, args []string) error {
		if len(args) == 0 {
			return fmt.Errorf("expects an integer argument")
		}
		n, err := strconv.Atoi(args[0])
		if err != nil || n <= 0 {
			return fmt.Errorf("expects a positive integer argument, got '%s'", args[0])
		}
		s.Shards = n
		c.Warnf("'shards' (haproxy 2.9+) has no effect in switchyard: each peer holds whole tables; ignored")
		return nil
	})
	kw("log", func(c *Context, s *PeersSection, args []string) error {
		if len(args) == 0 {
			return fmt.Errorf("expects <target> [<facility> ...]")
		}
		c.Warnf("'log' in a peers section: switchyard reports peers sessions in the process's own log; ignored")
		return nil
	})
	kw("discover", parseDiscover)
	kw("merge", func(c *Context, s *PeersSection, args []string) error {
		if len(args) != 1 || (args[0] != "sum" && args[0] != "replace") {
			return fmt.Errorf("expects 'sum' or 'replace'")
		}
		s.Sum = args[0] == "sum"
		return nil
	})

	RegisterTableSource(func(cfg *Config) []*stick.Spec {
		var out []*stick.Spec
		for _, s := range PeersSections(cfg) {
			out = append(out, s.Tables...)
		}
		return out
	})
	peersExists = func(cfg *Config, name string) bool {
		for _, s := range PeersSections(cfg) {
			if s.Name == name {
				return true
			}
		}
		return false
	}
}

// parsePeerLine reads "peer NAME ADDR:PORT [opts]" and "server NAME
// [ADDR:PORT] [opts]": the line whose name is the local peer's is this
// process (a peer line also gives its listening address).
func parsePeerLine(c *Context, s *PeersSection, kw string, args []string) error {
	if kw == "peer" {
		if s.bindLine {
			return fmt.Errorf("mixing \"peer\" and \"bind\" line is forbidden")
		}
		s.peerLine = true
	}
	if len(args) == 0 || args[0] == "" {
		return fmt.Errorf("expects <name> and <addr>[:<port>] as arguments.")
	}
	name, rest := args[0], args[1:]
	local := name == s.Local
	addr := ""
	if len(rest) > 0 && (kw == "peer" || !isServerOption(rest[0])) {
		addr, rest = rest[0], rest[1:]
	}
	tlsOpts, err := parseTLSOptions(kw+" "+name, rest, s.defServer, false)
	if err != nil {
		return err
	}
	if local {
		if s.LocalFound {
			return fmt.Errorf("'%s %s' : local peer name already referenced at %s:%d.", kw, name, s.localPos.File, s.localPos.Line)
		}
		s.LocalFound, s.localPos = true, c.Pos()
		if kw == "peer" {
			if addr == "" {
				return fmt.Errorf("'%s %s' : missing address", kw, name)
			}
			if err := checkListenAddr(addr, kw+" "+name); err != nil {
				return err
			}
			// The listener of a peer line takes default-bind's settings,
			// as haproxy's.
			t, err := finishTLS(kw+" "+name, s.defBind, true)
			if err != nil {
				return err
			}
			s.Listen, s.ListenTLS = addr, t
		}
		return nil
	}
	var written string
	if addr != "" {
		// ${VAR} outside quotes, as haproxy expands it (an unset one is
		// empty: a reg-test's peer that is not started yet is ":").
		addr = addrenv.Expand(addr)
		written = addr
		// haproxy takes a peer without a port and never reaches it.
		host, port, err := net.SplitHostPort(addr)
		if err == nil && port == "" {
			port = "0"
		}
		if err != nil {
			c.Warnf("'%s %s' : no port in '%s': this peer is never connected to", kw, name, addr)
			addr = ""
		} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
			return fmt.Errorf("'%s %s' : invalid port '%s' in '%s'", kw, name, port, addr)
		} else if p == 0 {
			c.Warnf("'%s %s' : port 0 in '%s': this peer is never connected to", kw, name, addr)
			addr = ""
		} else {
			addr = net.JoinHostPort(host, port)
		}
	}
	for _, o := range s.Remotes {
		if o.Name == name {
			c.Warnf("'%s %s' : peer '%s' already declared at %s:%d; this line is ignored", kw, name, name, o.Pos.File, o.Pos.Line)
			return nil
		}
	}
	t, err := finishTLS(kw+" "+name, tlsOpts, false)
	if err != nil {
		return err
	}
	s.Remotes = append(s.Remotes, &PeerDef{Name: name, Addr: addr, Written: written, Pos: c.Pos(), TLS: t})
	return nil
}

// isServerOption tells a server line's first option from an address.
func isServerOption(w string) bool {
	return !strings.Contains(w, ":") && !strings.Contains(w, ".") && !strings.HasPrefix(w, "[")
}

func checkListenAddr(addr, what string) error {
	if n, ok := strings.CutPrefix(addr, "fd@"); ok {
		// An inherited listening socket (reg-tests pass "fd@${A}").
		if fd, err := strconv.Atoi(n); err != nil || fd < 0 {
			return fmt.Errorf("'%s' : invalid file descriptor in '%s'", what, addr)
		}
		return nil
	}
	addr = strings.TrimPrefix(strings.TrimPrefix(addr, "ipv4@"), "ipv6@")
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("'%s' : missing port specification in '%s'", what, addr)
	}
	if p, err := strconv.Atoi(port); err != nil || p <= 0 || p > 65535 {
		return fmt.Errorf("'%s' : invalid port '%s' in '%s'", what, port, addr)
	}
	return nil
}

// refuseOptions refuses the options of peer, server and bind lines
// beyond their ssl settings: peers sessions have none of the proxies'
// server settings (checks, weights, proxy protocol…), and one silently
// ignored could change what the peer expects.
func refuseOptions(where string, opts []string) error {
	if len(opts) == 0 {
		return nil
	}
	return fmt.Errorf("'%s' : option '%s' is not supported in peers sections by switchyard (only ssl, crt, ca-file and verify are)", where, opts[0])
}

// parseDiscover reads "discover dns NAME port PORT [interval DUR]
// [resolver ADDR:PORT]".
func parseDiscover(c *Context, s *PeersSection, args []string) error {
	const usage = "expects 'dns <name> port <port> [interval <time>] [resolver <addr:port>]'"
	if len(args) < 4 || args[0] != "dns" || args[2] != "port" {
		return fmt.Errorf("%s", usage)
	}
	if s.Discover != nil {
		return fmt.Errorf("only one 'discover' line per peers section")
	}
	d := &Discover{Name: args[1], Interval: DefaultDiscoverInterval}
	p, err := strconv.Atoi(args[3])
	if err != nil || p <= 0 || p > 65535 {
		return fmt.Errorf("invalid port '%s'", args[3])
	}
	d.Port = p
	for i := 4; i < len(args); i += 2 {
		if i+1 >= len(args) {
			return fmt.Errorf("'%s' expects an argument", args[i])
		}
		v := args[i+1]
		switch args[i] {
		case "interval":
			iv, err := ParseDuration(v)
			if err != nil || iv < 100*time.Millisecond {
				return fmt.Errorf("'interval' expects a time of at least 100ms, got '%s'", v)
			}
			d.Interval = iv
		case "resolver":
			if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
				return fmt.Errorf("'resolver' expects <addr:port>, got '%s'", v)
			}
			d.Resolver = v
		default:
			return fmt.Errorf("unknown argument '%s', %s", args[i], usage)
		}
	}
	s.Discover = d
	return nil
}
