package runtimeapi

import (
	"strings"
	"testing"

	"switchyard/admin"
)

// commandLevels is the level each command needs, haproxy 2.6's (cli.c,
// server.c, proxy.c, stats.c, stream.c), except the map and ACL commands:
// see cmd_map.go.
var commandLevels = []struct {
	line  string
	level admin.Level
}{
	{"show cli level", admin.User},
	{"show cli sockets", admin.User},
	{"show info", admin.User},
	{"show stat", admin.User},
	{"show servers state", admin.User},
	{"show servers conn", admin.User},
	{"show backend", admin.User},
	{"show activity", admin.User},
	{"show pools", admin.User},
	{"show version", admin.User},
	{"show peers", admin.User},
	{"show schema json", admin.User},
	{"get weight be/s1", admin.User},
	{"set timeout cli 10", admin.User},
	{"set severity-output none", admin.User},
	{"show env", admin.Operator},
	{"show errors", admin.Operator},
	{"get var proc.x", admin.Operator},
	{"show sess", admin.Operator},
	{"clear counters", admin.Operator},
	{"operator", admin.Operator},
	{"clear counters all", admin.Admin},
	{"expert-mode on", admin.Admin},
	{"experimental-mode", admin.Admin},
	{"set server be/s1 state ready", admin.Admin},
	{"set server be", admin.Admin},
	{"set weight be/s1 10", admin.Admin},
	{"set maxconn server be/s1 10", admin.Admin},
	{"set maxconn frontend fe 10", admin.Admin},
	{"set maxconn global 100", admin.Admin},
	{"set rate-limit connections global 10", admin.Admin},
	{"enable server be/s1", admin.Admin},
	{"disable server be/s1", admin.Admin},
	{"enable health be/s1", admin.Admin},
	{"disable health be/s1", admin.Admin},
	{"enable agent be/s1", admin.Admin},
	{"disable agent be/s1", admin.Admin},
	{"enable frontend fe", admin.Admin},
	{"disable frontend fe", admin.Admin},
	{"shutdown frontend fe", admin.Admin},
	{"shutdown session 0x1", admin.Admin},
	{"shutdown sessions server be/s1", admin.Admin},
	{"add server be/new 127.0.0.1:9", admin.Admin},
	{"del server be/s2", admin.Admin},
	{"show map", admin.Admin},
	{"show ssl cert", admin.Operator},
	{"set ssl cert /nope.pem", admin.Admin},
	{"commit ssl cert /nope.pem", admin.Admin},
	{"abort ssl cert /nope.pem", admin.Admin},
	{"new ssl cert /nope.pem", admin.Admin},
	{"del ssl cert /nope.pem", admin.Admin},
	{"show ssl crt-list", admin.Admin},
	{"add ssl crt-list /nope.lst /nope.pem", admin.Admin},
	{"del ssl crt-list /nope.lst /nope.pem", admin.Admin},
	{"new ssl ca-file /nope.pem", admin.Admin},
	{"set ssl ca-file /nope.pem", admin.Admin},
	{"commit ssl ca-file /nope.pem", admin.Admin},
	{"abort ssl ca-file /nope.pem", admin.Admin},
	{"del ssl ca-file /nope.pem", admin.Admin},
	{"new ssl crl-file /nope.pem", admin.Admin},
	{"set ssl crl-file /nope.pem", admin.Admin},
	{"commit ssl crl-file /nope.pem", admin.Admin},
	{"abort ssl crl-file /nope.pem", admin.Admin},
	{"del ssl crl-file /nope.pem", admin.Admin},
	// haproxy 2.6 checks no level for these; later ones ask for admin, as
	// switchyard does (cmd_ocsp.go).
	{"show ssl ocsp-response", admin.Admin},
	{"set ssl ocsp-response AAAA", admin.Admin},
	{"show acl", admin.Admin},
	{"get map x y", admin.Admin},
	{"get acl x y", admin.Admin},
	{"add map x y z", admin.Admin},
	{"add acl x y", admin.Admin},
	{"set map x y z", admin.Admin},
	{"del map x y", admin.Admin},
	{"del acl x y", admin.Admin},
	{"clear map x", admin.Admin},
	{"clear acl x", admin.Admin},
	{"prepare map x", admin.Admin},
	{"prepare acl x", admin.Admin},
	{"commit map @1 x", admin.Admin},
	{"commit acl @1 x", admin.Admin},
	// acme.c is haproxy 3.2's, which checks no level; switchyard asks
	// admin to renew (cmd_acme.go).
	{"acme status", admin.User},
	{"acme renew /x.pem", admin.Admin},
}

// TestLevels runs every command at each level below the one it needs: the
// answer is "Permission denied" and nothing else, and nothing changes.
// At the level it needs, the answer is something else.
func TestLevels(t *testing.T) {
	e := newEnv(t, testCfg)
	paths := map[admin.Level]string{}
	for _, l := range []admin.Level{admin.User, admin.Operator, admin.Admin} {
		paths[l] = e.socket(l)
	}
	covered := map[string]bool{}
	for _, tc := range commandLevels {
		covered[findCommand(strings.Fields(tc.line)).name] = true
		for l := admin.User; l < tc.level; l++ {
			if got := ask(t, paths[l], tc.line+"\n"); got != "Permission denied\n\n" {
				t.Errorf("%q at level %s: got %q, want Permission denied", tc.line, l, got)
			}
		}
		if got := ask(t, paths[tc.level], tc.line+"\n"); got == "Permission denied\n\n" {
			t.Errorf("%q at level %s: refused", tc.line, tc.level)
		}
	}
	// Below operator, haproxy 2.6 answers show ssl ca-file|crl-file with
	// another message than its refusal.
	for _, line := range []string{"show ssl ca-file", "show ssl crl-file"} {
		covered[findCommand(strings.Fields(line)).name] = true
		if got := ask(t, paths[admin.User], line+"\n"); got != "Can't allocate memory!\n\n" {
			t.Errorf("%q at level user: got %q", line, got)
		}
		if got := ask(t, paths[admin.Operator], line+"\n"); !strings.HasPrefix(got, "# filename\n") {
			t.Errorf("%q at level operator: got %q", line, got)
		}
	}
	// Every command switchyard implements is in the table, but help,
	// prompt, quit and user, which any level may run, _getsocks, which
	// the socket's expose-fd allows (TestGetSocks), and set var.
	for name := range handlers {
		switch name {
		case "help", "prompt", "quit", "user", "_getsocks":
			continue
		case "set var":
			continue // experimental mode, which only admin enters (TestHAProxyVars)
		case "show table", "set table", "clear table":
			continue // the level depends on the words and the socket (TestTableLevels)
		}
		if !covered[name] {
			t.Errorf("command %q has no case in commandLevels", name)
		}
	}
	// The map commands changed nothing from the lower levels.
	if got := ask(t, paths[admin.Admin], "show map "+e.dir+"/hosts.map\n"); strings.Count(got, "\n") != 3 {
		t.Errorf("hosts.map changed: %q", got)
	}
}

// TestLowerLevel: user and operator lower a session's level, never raise
// it, and end the expert modes.
func TestLowerLevel(t *testing.T) {
	e := newEnv(t, testCfg)
	path := e.socket(admin.Admin)
	for in, want := range map[string]string{
		"operator;show cli level":                   "\noperator\n\n",
		"user;show cli level":                       "\nuser\n\n",
		"user;operator;show cli level":              "\nPermission denied\n\nuser\n\n",
		"expert-mode on;operator;expert-mode on":    "\n\nPermission denied\n\n",
		"expert-mode on;user -;show cli level":      "\nuser\n\n",
		"show cli level;user;show env PATH_NOPE_SY": "admin\n\n\nPermission denied\n\n",
	} {
		if got := ask(t, path, in+"\n"); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
	if got := ask(t, e.socket(admin.User), "operator\n"); got != "Permission denied\n\n" {
		t.Errorf("operator from user: %q", got)
	}
}
