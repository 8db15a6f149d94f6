package runtimeapi

import (
	"strings"
	"testing"
	"time"

	"switchyard/admin"
)

// The protocol, over real unix sockets. The expected bytes are haproxy
// 2.6.12's (captured with python over its stats socket).

func TestNonInteractive(t *testing.T) {
	e := newEnv(t, testCfg)
	path := e.socket(admin.Admin)
	for _, tc := range []struct {
		name, in, want string
		shut           bool
	}{
		{"one command", "show cli level\n", "admin\n\n", false},
		{"semicolons", "show cli level;show cli level\n", "admin\n\nadmin\n\n", false},
		{"blanks around", "show cli level ; user; show cli level\n", "admin\n\n\nuser\n\n", false},
		{"pipelined lines", "show cli level\nuser\nshow cli level\n", "admin\n\n\nuser\n\n", false},
		{"crlf", "show cli level\r\n", "admin\n\n", false},
		{"tabs and blanks", "show  cli\tlevel\n", "admin\n\n", false},
		// A line cut by the end of the connection is not run.
		{"no newline", "show cli level", "", true},
		{"quit", "quit;show cli level\n", "", false},
		{"quit later", "show cli level;quit;show cli level\n", "admin\n\n", false},
		// "-" asks for no empty line after the answer.
		{"operator -", "operator -;show cli level\n", "operator\n\n", false},
		{"lower twice", "user;operator\n", "\nPermission denied\n\n", false},
		{"escaped semicolon", "show env A\\;B\n", "Variable not found\n\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := askShut(t, path, tc.in, tc.shut); got != tc.want {
				t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestHalfClose(t *testing.T) {
	e := newEnv(t, testCfg)
	path := e.socket(admin.Admin)
	c := dial(t, path)
	c.send("show cli level\n")
	c.c.(interface{ CloseWrite() error }).CloseWrite()
	c.expect("admin\n\n")
	c.closed(2 * time.Second)
}

func TestInteractive(t *testing.T) {
	e := newEnv(t, testCfg)
	c := dial(t, e.socket(admin.Admin))
	c.send("prompt\n")
	c.expect("\n> ")
	c.send("show cli level\n")
	c.expect("admin\n\n> ")
	c.send("user; show cli level\n")
	c.expect("\n> user\n\n> ")
	// An empty line is an unknown command.
	c.send("\n")
	c.expect("Unknown command. Please enter one of the following commands only:\n")
	c.c.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 16384)
	got := ""
	for !strings.HasSuffix(got, usageTail+"\n> ") {
		n, err := c.c.Read(buf)
		if err != nil {
			t.Fatalf("%v after %q", err, got)
		}
		got += string(buf[:n])
	}
	// prompt again leaves interactive mode: the connection closes after
	// the answer.
	c.send("prompt\n")
	c.expect("\n")
	c.closed(2 * time.Second)
}

func TestInteractiveQuit(t *testing.T) {
	e := newEnv(t, testCfg)
	c := dial(t, e.socket(admin.Admin))
	c.send("prompt\n")
	c.expect("\n> ")
	c.send("show cli level; quit; show cli level\n")
	c.expect("admin\n\n> ")
	c.closed(2 * time.Second)
}

func TestPayload(t *testing.T) {
	e := newEnv(t, testCfg)
	path := e.socket(admin.Admin)
	m := e.dir + "/hosts.map"
	got := ask(t, path, "add map "+m+" <<\nk1 v1\nk2  v2 with blanks\n\nshow map "+m+"\n")
	if !strings.HasPrefix(got, "\n") {
		t.Fatalf("add answered %q", got)
	}
	lines := strings.Split(strings.TrimSuffix(got[1:], "\n\n"), "\n")
	var kv []string
	for _, l := range lines {
		_, rest, _ := strings.Cut(l, " ")
		kv = append(kv, rest)
	}
	want := []string{"a.example.com be", "b.example.com be2", "k1 v1", "k2 v2 with blanks"}
	if strings.Join(kv, "|") != strings.Join(want, "|") {
		t.Errorf("show map after payload: %q, want %q", kv, want)
	}
	// A key without a value is refused.
	if got := ask(t, path, "add map "+m+" <<\nlonely\n\n"); got != "Missing value for key 'lonely'.\n\n" {
		t.Errorf("payload without value: %q", got)
	}
}

func TestPayloadInteractive(t *testing.T) {
	e := newEnv(t, testCfg)
	c := dial(t, e.socket(admin.Admin))
	c.send("prompt\n")
	c.expect("\n> ")
	c.send("add map " + e.dir + "/hosts.map <<\n")
	c.expect("+ ")
	c.send("k3 v3\n")
	c.expect("+ ")
	c.send("\n")
	c.expect("\n> ")
	c.send("get map " + e.dir + "/hosts.map k3\n")
	c.expect("type=str, case=sensitive, found=yes, idx=tree, key=\"k3\", value=\"v3\", type=\"str\"\n\n> ")
}

// TestTooLong: a command longer than tune.bufsize closes the session
// without an answer, as haproxy does; one that fits is run.
func TestTooLong(t *testing.T) {
	e := newEnv(t, "global\n tune.bufsize 2048\n"+testCfg[len("\nglobal\n"):])
	path := e.socket(admin.Admin)
	if got := ask(t, path, "show cli level "+strings.Repeat("x", 2000)+"\n"); got != "admin\n\n" {
		t.Errorf("a line that fits: %q", got)
	}
	if got := ask(t, path, "show cli level "+strings.Repeat("x", 3000)+"\n"); got != "" {
		t.Errorf("a line too long: %q", got)
	}
	payload := strings.Repeat("kk vv\n", 400)
	if got := ask(t, path, "add map "+e.dir+"/hosts.map <<\n"+payload+"\n"); got != "" {
		t.Errorf("a payload too long: %q", got)
	}
}

func TestTimeout(t *testing.T) {
	e := newEnv(t, strings.Replace(testCfg, "stats timeout 5s", "stats timeout 300ms", 1))
	c := dial(t, e.socket(admin.Admin))
	start := time.Now()
	c.send("prompt\n")
	c.expect("\n> ")
	c.closed(3 * time.Second)
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Errorf("closed after %v, before the 300ms timeout", d)
	}
	// set timeout cli applies to the session.
	c = dial(t, e.socket(admin.Admin))
	c.send("prompt\n")
	c.expect("\n> ")
	c.send("set timeout cli 1\n")
	c.expect("\n> ")
	time.Sleep(500 * time.Millisecond)
	c.send("show cli level\n")
	c.expect("admin\n\n> ")
	c.closed(3 * time.Second)
}

func TestSetTimeoutErrors(t *testing.T) {
	e := newEnv(t, testCfg)
	path := e.socket(admin.User)
	for in, want := range map[string]string{
		"set timeout":             "'set timeout' only supports 'cli'.\n",
		"set timeout foo 1":       "'set timeout' only supports 'cli'.\n",
		"set timeout cli":         "Expects an integer value.\n",
		"set timeout cli abc":     "Invalid timeout value.\n",
		"set timeout cli 0":       "Invalid timeout value.\n",
		"set timeout cli 500ms":   "Invalid timeout value.\n",
		"set timeout cli 2m":      "",
		"set severity-output":     "one of 'none', 'number', 'string' is a required argument\n",
		"set severity-output odd": "one of 'none', 'number', 'string' is a required argument\n",
	} {
		if got := ask(t, path, in+"\n"); got != want+"\n" {
			t.Errorf("%q: got %q, want %q", in, got, want+"\n")
		}
	}
}

func TestSeverityOutput(t *testing.T) {
	e := newEnv(t, testCfg)
	path := e.socket(admin.Admin)
	got := ask(t, path, "set severity-output string; show cli level; get weight be; show env HOME_NOPE_SY; expert-mode; set severity-output number; show cli level; show backend\n")
	want := "\n[info]: admin\n\n[err]: Require 'backend/server'.\n\n[err]: Variable not found\n\n[info]: expert-mode is OFF\n\n\n[6]: admin\n\n"
	if !strings.HasPrefix(got, want) {
		t.Errorf("got %q, want a start of %q", got, want)
	}
	// Dumps are never prefixed.
	if !strings.HasSuffix(got, "\n# name\n") && !strings.Contains(got, "\n[6]: admin\n\n# name\n") {
		t.Errorf("show backend was prefixed: %q", got)
	}
}

func TestModes(t *testing.T) {
	e := newEnv(t, testCfg)
	path := e.socket(admin.Admin)
	got := ask(t, path, "expert-mode on;expert-mode;experimental-mode on;experimental-mode;operator;expert-mode\n")
	if want := "\nexpert-mode is ON\n\n\nexperimental-mode is ON\n\n\nPermission denied\n\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := ask(t, path, "expert-mode on -;expert-mode\n"); got != "expert-mode is ON\n\n" {
		t.Errorf("expert-mode on -: %q", got)
	}
	// Expert commands need the mode, and are listed by help only then.
	if got := ask(t, path, "debug dev log x\n"); got != "This command is restricted to expert mode only.\n\n" {
		t.Errorf("debug dev without expert mode: %q", got)
	}
	if got := ask(t, path, "set var proc.x int(1)\n"); got != "This command is restricted to experimental mode only.\n\n" {
		t.Errorf("set var without experimental mode: %q", got)
	}
	if got := ask(t, path, "expert-mode on; debug dev log x\n"); got != "\n'debug dev log' is not supported yet by switchyard.\n\n" {
		t.Errorf("debug dev in expert mode: %q", got)
	}
	plain, expert := ask(t, path, "help\n"), ask(t, path, "expert-mode on;help\n")
	if strings.Contains(plain, "debug dev") || !strings.Contains(expert, "  debug dev bug ") {
		t.Errorf("help does not follow expert mode")
	}
}

func TestMaxConn(t *testing.T) {
	e := newEnv(t, strings.Replace(testCfg, "stats timeout 5s", "stats timeout 5s\n    stats maxconn 1", 1))
	path := e.socket(admin.Admin)
	first := dial(t, path)
	first.send("prompt\n")
	first.expect("\n> ")
	second := dial(t, path) // waits in the backlog
	second.send("show cli level\n")
	second.c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if n, err := second.c.Read(make([]byte, 1)); n > 0 || err == nil {
		t.Fatalf("a second session was served beyond stats maxconn 1")
	}
	first.send("quit\n")
	second.expect("admin\n\n")
}

func TestEscapes(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    []string
		payload bool
	}{
		{`a b`, []string{"a", "b"}, false},
		{`a\ b c`, []string{"a b", "c"}, false},
		{`a\\b`, []string{`a\b`}, false},
		{`\;x`, []string{";x"}, false},
		{`add map m <<`, []string{"add", "map", "m"}, true},
		{`add map m<<`, []string{"add", "map", "m<<"}, false},
		{`x <<  `, []string{"x", "<<"}, false},
		{`end\`, []string{"end"}, false},
	} {
		got, payload := splitWords(tc.in)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") || payload != tc.payload {
			t.Errorf("%q: got %q %v, want %q %v", tc.in, got, payload, tc.want, tc.payload)
		}
	}
	many := strings.Repeat("w ", 70)
	if got, _ := splitWords(many); len(got) != maxArgs {
		t.Errorf("%d words kept, want %d", len(got), maxArgs)
	}
}
