package runtimeapi

import (
	"net"
	"strings"
	"testing"
	"time"

	"switchyard/admin"
)

// The commands whose work the admin surface does, driven over a socket
// with their success answers, each also refused below its level.
func TestLiveCommands(t *testing.T) {
	e := newEnv(t, testCfg+"frontend web\n    bind 127.0.0.1:0\n    default_backend be\n")
	adminSock, operSock := e.socket(admin.Admin), e.socket(admin.Operator)
	for _, c := range []struct{ cmd, want string }{
		{"add server be/s9 127.0.0.1:9 weight 3", "New server registered.\n\n"},
		{"show servers state be", " s9 "},
		{"enable server be/s9", "\n"},
		{"get weight be/s9", "3 (initial 3)\n\n"},
		{"disable server be/s9", "\n"},
		{"del server be/s9", "Server deleted.\n"},
		{"set server be/s1 addr 127.0.0.5 port 81", "IP changed from '127.0.0.1' to '127.0.0.5', port changed from '1' to '81' by 'stats socket command'\n"},
		{"set maxconn frontend web 10", "\n"},
		{"set maxconn global 100", "\n"},
		{"set rate-limit connections global 50", "\n"},
		{"show info", "ConnRateLimit: 50\n"},
		{"disable frontend web", "\n"},
		{"enable frontend web", "\n"},
		{"shutdown sessions server be/s2", "\n"},
		{"show sess", "\n"},
		{"shutdown frontend web", "\n"},
		{"show stat", "\nweb,FRONTEND,"},
	} {
		got := ask(t, adminSock, c.cmd+"\n")
		if !strings.Contains(got, c.want) {
			t.Errorf("%q: got %q, want it to contain %q", c.cmd, got, c.want)
		}
	}
	for _, cmd := range []string{"add server be/s8 127.0.0.1:8", "del server be/s1", "set maxconn global 10",
		"set rate-limit sessions global 5", "disable frontend fe", "shutdown session 0x1", "shutdown sessions server be/s1",
		"set server be/s1 addr 127.0.0.1"} {
		if got := ask(t, operSock, cmd+"\n"); got != "Permission denied\n\n" {
			t.Errorf("%q at operator level: %q", cmd, got)
		}
	}
}

// show sess lists a client connection, and shutdown session cuts it.
func TestShowSessShutdownSession(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	e := newEnv(t, testCfg+"frontend web\n    bind "+addr+"\n    default_backend be\n")
	sock := e.socket(admin.Admin)
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var line string
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline) && line == ""; {
		for _, l := range strings.Split(ask(t, sock, "show sess\n"), "\n") {
			if strings.Contains(l, "fe=web") {
				line = l
			}
		}
	}
	if line == "" {
		t.Fatal("show sess does not list the connection")
	}
	id := strings.TrimSuffix(strings.Fields(line)[0], ":")
	if got := ask(t, sock, "shutdown session "+id+"\n"); got != "\n" {
		t.Fatalf("shutdown session: %q", got)
	}
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("the connection was not cut")
	}
}
