package config

import (
	"testing"
	"time"
)

// The runtime API's keywords. Messages follow haproxy 2.6's (checked with
// `haproxy -c`), inside switchyard's "'keyword': message" frame; where
// switchyard is stricter the case says so.

func init() { moreKeywordCases = append(moreKeywordCases, statsSocketKeywordCases) }

func statsSocketKeywordCases() []kwCase {
	sockets := func(want ...string) kwCheck {
		return func(t *testing.T, c *Config, _ *Proxy) {
			got := c.Global.StatsSockets
			if len(got) != len(want) {
				t.Fatalf("%d sockets, want %d", len(got), len(want))
			}
			for i, w := range want {
				eq(t, "socket", got[i].Network+"@"+got[i].Addr, w)
			}
		}
	}
	first := func(check func(t *testing.T, s *StatsSocket)) kwCheck {
		return func(t *testing.T, c *Config, _ *Proxy) {
			if len(c.Global.StatsSockets) == 0 {
				t.Fatal("no socket")
			}
			check(t, c.Global.StatsSockets[0])
		}
	}
	return []kwCase{
		{kw: "stats socket", in: inGlobal, src: "stats socket /run/sy.sock", check: first(func(t *testing.T, s *StatsSocket) {
			eq(t, "addr", s.Network+"@"+s.Addr, "unix@/run/sy.sock")
			// haproxy's default level is operator (cli_parse_global).
			eq(t, "level", s.Level, "operator")
			eq(t, "mode", s.Mode, 0)
			eq(t, "uid", s.UID, -1)
			eq(t, "severity", s.Severity, "none")
		})},
		{kw: "stats socket", in: inGlobal, name: "every option",
			src: "stats socket unix@/run/sy.sock mode 660 user root group root level admin expose-fd listeners severity-output string",
			check: first(func(t *testing.T, s *StatsSocket) {
				eq(t, "addr", s.Addr, "/run/sy.sock")
				eq(t, "mode", s.Mode, 0o660)
				eq(t, "uid", s.UID, 0)
				eq(t, "gid", s.GID, 0)
				eq(t, "level", s.Level, "admin")
				eq(t, "expose-fd", s.ExposeFD, true)
				eq(t, "severity", s.Severity, "string")
			})},
		{kw: "stats socket", in: inGlobal, name: "uid and gid", src: "stats socket /run/sy.sock uid 1000 gid 100",
			check: first(func(t *testing.T, s *StatsSocket) { eq(t, "uid", s.UID, 1000); eq(t, "gid", s.GID, 100) })},
		{kw: "stats socket", in: inGlobal, name: "tcp, abstract, inherited and repeated",
			src:   "stats socket ipv4@127.0.0.1:9999 level admin\nstats socket 127.0.0.1:9998\nstats socket ipv6@::1:9997\nstats socket abns@sy\nstats socket fd@3",
			check: sockets("tcp4@127.0.0.1:9999", "tcp4@127.0.0.1:9998", "tcp6@[::1]:9997", "unix@@sy", "fd@3")},
		{kw: "stats socket", in: inGlobal, name: "process is deprecated", src: "stats socket /run/sy.sock process 1",
			warn: "t.cfg:2: 'process 1' on 'stats socket' lines has no effect in switchyard (a single process); ignored"},
		{kw: "stats socket", in: inGlobal, src: "stats socket", err: "t.cfg:2: 'stats socket': expects an address or a path to a UNIX socket"},
		{kw: "stats socket", in: inGlobal, src: "stats socket /run/sy.sock level bogus",
			err: "t.cfg:2: 'stats socket': 'level' only supports 'user', 'operator', and 'admin' (got 'bogus')"},
		{kw: "stats socket", in: inGlobal, src: "stats socket /run/sy.sock level", err: "t.cfg:2: 'stats socket': 'level' : missing value"},
		{kw: "stats socket", in: inGlobal, src: "stats socket /run/sy.sock mode 999",
			err: "t.cfg:2: 'stats socket': 'mode' : missing or invalid mode '999' (octal integer expected)"},
		{kw: "stats socket", in: inGlobal, src: "stats socket /run/sy.sock user no-such-user-sy",
			err: "t.cfg:2: 'stats socket': 'user' : unknown user name 'no-such-user-sy'"},
		{kw: "stats socket", in: inGlobal, src: "stats socket /run/sy.sock group no-such-group-sy",
			err: "t.cfg:2: 'stats socket': 'group' : unknown group name 'no-such-group-sy'"},
		// haproxy reads `uid abc` as 0 (root); switchyard refuses it.
		{kw: "stats socket", in: inGlobal, src: "stats socket /run/sy.sock uid abc", err: "t.cfg:2: 'stats socket': 'uid' expects a numeric id, got 'abc'"},
		{kw: "stats socket", in: inGlobal, src: "stats socket /run/sy.sock expose-fd all",
			err: "t.cfg:2: 'stats socket': 'expose-fd' only supports 'listeners' (got 'all')"},
		{kw: "stats socket", in: inGlobal, src: "stats socket /run/sy.sock severity-output loud",
			err: "t.cfg:2: 'stats socket': 'severity-output' only supports 'none', 'number', and 'string' (got 'loud')"},
		{kw: "stats socket", in: inGlobal, src: "stats socket /run/sy.sock process 2",
			err: "t.cfg:2: 'stats socket': 'process' : '2' is not a valid number/range. It supports numbers from 1 to 1"},
		{kw: "stats socket", in: inGlobal, src: "stats socket /run/sy.sock levl admin",
			err: "t.cfg:2: 'stats socket': unknown keyword 'levl'. Did you mean 'level' maybe ?"},
		{kw: "stats socket", in: inGlobal, src: "stats socket /run/sy.sock accept-proxy",
			err: "t.cfg:2: 'stats socket': option 'accept-proxy' is not supported yet by switchyard on stats sockets"},
		{kw: "stats socket", in: inGlobal, src: "stats socket fd@abc", err: "t.cfg:2: 'stats socket': file descriptor 'abc' is not a valid integer in 'fd@abc'"},
		{kw: "stats socket", in: inGlobal, src: "stats socket ipv4@127.0.0.1", err: "t.cfg:2: 'stats socket': missing port number in '127.0.0.1'"},

		{kw: "stats timeout", in: inGlobal, src: "stats timeout 2m", check: func(t *testing.T, c *Config, _ *Proxy) {
			eq(t, "StatsTimeout", c.Global.StatsTimeout, 2*time.Minute)
		}},
		{kw: "stats timeout", in: inGlobal, name: "default unit is ms", src: "stats timeout 1500", check: func(t *testing.T, c *Config, _ *Proxy) {
			eq(t, "StatsTimeout", c.Global.StatsTimeout, 1500*time.Millisecond)
		}},
		{kw: "stats timeout", in: inGlobal, src: "stats timeout 0", err: "t.cfg:2: 'stats timeout': expects a positive value"},
		{kw: "stats timeout", in: inGlobal, src: "stats timeout 10x", err: "t.cfg:2: 'stats timeout': unexpected character 'x' in time value '10x' (units are us, ms, s, m, h, d)"},
		{kw: "stats timeout", in: inGlobal, src: "stats timeout 10us", err: "t.cfg:2: 'stats timeout': timer underflow in argument '10us' (minimum non-null value is 1 ms)"},
		{kw: "stats timeout", in: inGlobal, src: "stats timeout", err: "t.cfg:2: 'stats timeout': expects a time value"},

		{kw: "stats maxconn", in: inGlobal, src: "stats maxconn 50", check: func(t *testing.T, c *Config, _ *Proxy) { eq(t, "StatsMaxConn", c.Global.StatsMaxConn, 50) }},
		{kw: "stats maxconn", in: inGlobal, src: "stats maxconn 0", err: "t.cfg:2: 'stats maxconn': stats maxconn must be between 1 and 2147483647, got 0"},
		// haproxy takes atol's "5" from "5x"; switchyard refuses it.
		{kw: "stats maxconn", in: inGlobal, src: "stats maxconn 5x", err: "t.cfg:2: 'stats maxconn': stats maxconn expects an integer, got '5x'"},
		{kw: "stats maxconn", in: inGlobal, src: "stats maxconn", err: "t.cfg:2: 'stats maxconn': expects a positive value"},

		{kw: "stats bind-process", in: inGlobal, src: "stats bind-process all",
			warn: "t.cfg:2: 'stats bind-process' has no effect in switchyard (a single process); ignored"},
		{kw: "stats bind-process", in: inGlobal, src: "stats bind-process 3",
			err: "t.cfg:2: 'stats bind-process': 'process' : '3' is not a valid number/range. It supports numbers from 1 to 1"},
	}
}

// TestStatsDefaults: an unset timeout and limit are zero in the model,
// which the runtime API reads as haproxy's defaults.
func TestStatsDefaults(t *testing.T) {
	c, _, errs := load(t, "global\n stats socket /run/sy.sock\n")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	eq(t, "StatsTimeout", c.Global.StatsTimeout, 0)
	eq(t, "StatsMaxConn", c.Global.StatsMaxConn, 0)
	eq(t, "DefaultStatsTimeout", DefaultStatsTimeout, 10*time.Second)
	eq(t, "key differs with the mode", (&StatsSocket{Network: "unix", Addr: "/a", Mode: 0o600}).Key() != (&StatsSocket{Network: "unix", Addr: "/a"}).Key(), true)
}
