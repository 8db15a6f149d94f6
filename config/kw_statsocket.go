package config

import (
	"fmt"
	"os/user"
	"sort"
	"strconv"
	"strings"
	"time"

	"switchyard/internal/typo"
)

// The runtime API's sockets (haproxy's CLI): `stats socket`, `stats
// timeout`, `stats maxconn` in the global section. Package runtimeapi
// serves them.

func init() {
	register(SecGlobal, "stats socket", parseStatsSocket)
	register(SecGlobal, "stats timeout", func(p *parser, args []string) error {
		var d time.Duration
		if err := durationKw(args, &d); err != nil {
			return err
		}
		if d <= 0 {
			return fmt.Errorf("expects a positive value")
		}
		if d < time.Millisecond {
			// haproxy counts the CLI's timeout in milliseconds.
			return fmt.Errorf("timer underflow in argument '%s' (minimum non-null value is 1 ms)", args[0])
		}
		p.cfg.Global.StatsTimeout = d
		return nil
	})
	register(SecGlobal, "stats maxconn", func(p *parser, args []string) error {
		if err := wantArgs(args, 1, "a positive value"); err != nil {
			return err
		}
		n, err := parseInt("stats maxconn", args[0], 1, 1<<31-1)
		if err != nil {
			return err
		}
		p.cfg.Global.StatsMaxConn = n
		return nil
	})
	// haproxy 2.6 still accepts it (one process only since 2.5).
	register(SecGlobal, "stats bind-process", func(p *parser, args []string) error {
		for _, a := range args {
			if err := checkProcessSet(a); err != nil {
				return err
			}
		}
		p.warnf("'stats bind-process' has no effect in switchyard (a single process); ignored")
		return nil
	})
}

// Defaults of the CLI, haproxy's (cli_alloc_fe): 10 concurrent sessions,
// 10 s of inactivity.
const (
	DefaultStatsTimeout = 10 * time.Second
	DefaultStatsMaxConn = 10
)

// StatsSocket is one listener of a `stats socket` line (an address range
// gives one per port).
type StatsSocket struct {
	Pos Pos
	// Network and Addr are as a Bind's: "unix" (a path, or "@name" in
	// the abstract namespace), "tcp4"/"tcp6" (host:port) or "fd" (an
	// inherited listening socket's number).
	Network, Addr string
	// Mode is the unix socket's permissions (0: as the umask leaves
	// them); UID and GID its owner (-1: unchanged).
	Mode     uint32
	UID, GID int
	// Level is "user", "operator" (haproxy's default) or "admin".
	Level string
	// Severity is severity-output: "none", "number" or "string".
	Severity string
	// ExposeFD is `expose-fd listeners`.
	ExposeFD bool
}

// Key identifies the socket across reloads: the address and what the
// socket file is created with, so that a reload changing the permissions
// reopens it; the level and the severity output apply to new sessions
// without reopening.
func (s *StatsSocket) Key() string {
	return fmt.Sprintf("%s@%s mode=%o uid=%d gid=%d", s.Network, s.Addr, s.Mode, s.UID, s.GID)
}

// statsSocketOptions are the bind options a `stats socket` line takes,
// with their number of arguments.
var statsSocketOptions = map[string]int{
	"mode": 1, "user": 1, "group": 1, "uid": 1, "gid": 1, "level": 1,
	"severity-output": 1, "expose-fd": 1, "process": 1, "name": 1,
}

// plainBindOptions are the options of bind lines that parseBind reads
// itself.
var plainBindOptions = map[string]bool{"v4v6": true, "v6only": true, "backlog": true, "maxconn": true}

func parseStatsSocket(p *parser, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("expects an address or a path to a UNIX socket")
	}
	opts := StatsSocket{Pos: p.pos(), UID: -1, GID: -1, Level: "operator", Severity: "none"}
	for i := 1; i < len(args); i++ {
		o := args[i]
		n, known := statsSocketOptions[o]
		if !known {
			if _, bind := bindOptions[o]; bind || bindOptsNotYet[o] || plainBindOptions[o] {
				return fmt.Errorf("option '%s' is not supported yet by switchyard on stats sockets", o)
			}
			return unknownSocketOption(o)
		}
		if i+n >= len(args) {
			return fmt.Errorf("'%s' : missing value", o)
		}
		v := args[i+1]
		i += n
		if err := opts.set(p, o, v); err != nil {
			return err
		}
	}
	for _, spec := range strings.Split(args[0], ",") {
		addrs, err := statsSocketAddrs(spec, p.resolve)
		if err != nil {
			return err
		}
		for _, a := range addrs {
			s := opts
			s.Network, s.Addr = a[0], a[1]
			p.cfg.Global.StatsSockets = append(p.cfg.Global.StatsSockets, &s)
		}
	}
	return nil
}

// set applies one option; the messages are haproxy's.
func (s *StatsSocket) set(p *parser, o, v string) error {
	switch o {
	case "mode":
		m, err := strconv.ParseUint(v, 8, 32)
		if err != nil || m > 0o7777 {
			return fmt.Errorf("'mode' : missing or invalid mode '%s' (octal integer expected)", v)
		}
		s.Mode = uint32(m)
	case "user":
		u, err := user.Lookup(v)
		if err != nil {
			return fmt.Errorf("'user' : unknown user name '%s'", v)
		}
		s.UID, _ = strconv.Atoi(u.Uid)
	case "group":
		g, err := user.LookupGroup(v)
		if err != nil {
			return fmt.Errorf("'group' : unknown group name '%s'", v)
		}
		s.GID, _ = strconv.Atoi(g.Gid)
	case "uid", "gid":
		// haproxy takes atol's reading (0, root, for a typo); a number
		// is required here.
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("'%s' expects a numeric id, got '%s'", o, v)
		}
		if o == "uid" {
			s.UID = n
		} else {
			s.GID = n
		}
	case "level":
		if v != "user" && v != "operator" && v != "admin" {
			return fmt.Errorf("'level' only supports 'user', 'operator', and 'admin' (got '%s')", v)
		}
		s.Level = v
	case "severity-output":
		if v != "none" && v != "number" && v != "string" {
			return fmt.Errorf("'severity-output' only supports 'none', 'number', and 'string' (got '%s')", v)
		}
		s.Severity = v
	case "expose-fd":
		if v != "listeners" {
			return fmt.Errorf("'expose-fd' only supports 'listeners' (got '%s')", v)
		}
		s.ExposeFD = true
	case "process":
		if err := checkProcessSet(v); err != nil {
			return err
		}
		p.warnf("'process %s' on 'stats socket' lines has no effect in switchyard (a single process); ignored", v)
	case "name":
		// A name for the listener's statistics; the CLI has none.
	}
	return nil
}

// checkProcessSet accepts the process sets haproxy 2.6 accepts with one
// process: all, odd, 1, 1-1, optionally followed by a thread set.
func checkProcessSet(v string) error {
	proc, _, _ := strings.Cut(v, "/")
	switch proc {
	case "all", "odd", "1", "1-1", "1-":
		return nil
	}
	return fmt.Errorf("'process' : '%s' is not a valid number/range. It supports numbers from 1 to 1", v)
}

func unknownSocketOption(o string) error {
	best, bestD := "", 4
	names := make([]string, 0, len(statsSocketOptions))
	for n := range statsSocketOptions {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if d := typo.Distance(o, n); d < bestD {
			best, bestD = n, d
		}
	}
	if best != "" {
		return fmt.Errorf("unknown keyword '%s'. Did you mean '%s' maybe ?", o, best)
	}
	return fmt.Errorf("unknown keyword '%s'.", o)
}

// statsSocketAddrs reads a socket address as haproxy's str2listener: a
// path or unix@path, abns@name (the abstract namespace), fd@N, and the
// TCP forms of bind lines (ipv4@, ipv6@, host:port, port ranges).
func statsSocketAddrs(spec string, resolve func(string) (string, error)) ([][2]string, error) {
	if name, ok := strings.CutPrefix(spec, "abns@"); ok {
		if name == "" {
			return nil, fmt.Errorf("'abns@' expects a socket name")
		}
		return [][2]string{{"unix", "@" + name}}, nil
	}
	if n, ok := strings.CutPrefix(spec, "fd@"); ok {
		if fd, err := strconv.Atoi(n); err != nil || fd < 0 {
			return nil, fmt.Errorf("file descriptor '%s' is not a valid integer in '%s'", n, spec)
		}
	}
	return expandBindAddr(spec, resolve)
}
