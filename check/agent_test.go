package check

import (
	"context"
	"io"
	"net"
	"testing"
	"time"
)

func TestParseAgentReply(t *testing.T) {
	for _, tc := range []struct {
		line          string
		st            Status
		desc          string
		state, admin  AgentState
		weight, maxcn int
		text          string
	}{
		{"up", StatusL7OK, "via agent : up", AgentUp, AgentNone, -1, -1, ""},
		{"UP", StatusL7OK, "via agent : UP", AgentUp, AgentNone, -1, -1, ""},
		{"down", StatusL7Status, "via agent : down", AgentDown, AgentNone, -1, -1, ""},
		{"down # going away", StatusL7Status, "via agent : down (going away)", AgentDown, AgentNone, -1, -1, "going away"},
		{"down#going away", StatusUnknown, "agent reports an error : down#going", AgentNone, AgentNone, -1, -1, ""},
		{"stopped", StatusL7Status, "via agent : stopped", AgentStopped, AgentNone, -1, -1, ""},
		{"fail,maint", StatusL7Status, "via agent : fail", AgentFail, AgentMaint, -1, -1, ""},
		{"75%,maxconn:30,maint,down", StatusL7Status, "via agent : down", AgentDown, AgentMaint, 75, 30, ""},
		{"ready\t50%", StatusUnknown, "", AgentNone, AgentReady, 50, -1, ""},
		{"drain", StatusUnknown, "", AgentNone, AgentDrain, -1, -1, ""},
		{"75%", StatusUnknown, "", AgentNone, AgentNone, 75, -1, ""},
		{"30000%", StatusUnknown, "", AgentNone, AgentNone, 25600, -1, ""},
		{"foo bar", StatusUnknown, "agent reports an error : foo", AgentNone, AgentNone, -1, -1, ""},
		{"up foo", StatusL7OK, "via agent : up (foo)", AgentUp, AgentNone, -1, -1, ""},
		{"up # all good", StatusL7OK, "via agent : up (all good)", AgentUp, AgentNone, -1, -1, "all good"},
		{"up foo # all good", StatusL7OK, "via agent : up (foo)", AgentUp, AgentNone, -1, -1, "all good"},
		{"down foo # broken", StatusL7Status, "via agent : down (broken)", AgentDown, AgentNone, -1, -1, "broken"},
		{"up 50x%", StatusL7OK, "via agent : up (Trailing garbage in weight string)", AgentUp, AgentNone, -1, -1, ""},
		{"up 300x%", StatusL7OK, "via agent : up (Absolute weight can only be between 0 and 256 inclusive.\n)", AgentUp, AgentNone, -1, -1, ""},
		{"50%x", StatusUnknown, "agent warns : Trailing garbage in weight string", AgentNone, AgentNone, -1, -1, ""},
		{"maxconn:", StatusUnknown, "agent warns : Require <maxconn>.\n", AgentNone, AgentNone, -1, -1, ""},
		{"maxconn:x", StatusUnknown, "agent warns : maxconn string empty or preceded by garbage", AgentNone, AgentNone, -1, -1, ""},
		{"MAXCONN:12x", StatusUnknown, "agent warns : Trailing garbage in maxconn string", AgentNone, AgentNone, -1, -1, ""},
		{"maxconn:12 up", StatusL7OK, "via agent : up", AgentUp, AgentNone, -1, 12, ""},
		{"up down", StatusL7Status, "via agent : down", AgentDown, AgentNone, -1, -1, ""},
		{"", StatusUnknown, "", AgentNone, AgentNone, -1, -1, ""},
		{"#   \t", StatusUnknown, "", AgentNone, AgentNone, -1, -1, ""},
	} {
		a := ParseAgentReply(tc.line)
		if a.Result.Status != tc.st || a.Result.Desc != tc.desc || a.State != tc.state || a.Admin != tc.admin ||
			a.Weight != tc.weight || a.MaxConn != tc.maxcn || a.Desc != tc.text {
			t.Errorf("%q: got %s %q state %s admin %s weight %d maxconn %d desc %q", tc.line, a.Result.Status, a.Result.Desc,
				a.State, a.Admin, a.Weight, a.MaxConn, a.Desc)
		}
	}
	// The server's own refusal of a weight is part of the description.
	a := ParseAgentReply("up 50%")
	a.SetWeightWarning("Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n")
	if a.Result.Desc != "via agent : up (Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n)" {
		t.Errorf("desc %q", a.Result.Desc)
	}
}

func TestRunAgent(t *testing.T) {
	got := make(chan string, 4)
	addr := origin(t, func(c net.Conn) {
		b := make([]byte, 6)
		io.ReadFull(c, b)
		got <- string(b)
		io.WriteString(c, "up 75% maxconn:30 drain\r\n")
	})
	a := RunAgent(t.Context(), target(addr), "hello\n")
	if a.Result.Status != StatusL7OK || a.Result.Desc != "via agent : up" || a.Weight != 75 || a.MaxConn != 30 || a.Admin != AgentDrain {
		t.Errorf("got %+v", a)
	}
	if a.Result.Duration <= 0 {
		t.Error("no duration")
	}
	if s := <-got; s != "hello\n" {
		t.Errorf("sent %q", s)
	}

	// Without a send string the agent talks first; a partial line is
	// waited for.
	addr = origin(t, func(c net.Conn) {
		io.WriteString(c, "dow")
		io.WriteString(c, "n # maintenance\n")
	})
	a = RunAgent(t.Context(), target(addr), "")
	if a.Result.Status != StatusL7Status || a.Result.Desc != "via agent : down (maintenance)" || a.State != AgentDown {
		t.Errorf("got %+v", a)
	}

	// A reply without an end of line is ignored; no reply is an error.
	addr = origin(t, func(c net.Conn) { io.WriteString(c, "up") })
	a = RunAgent(t.Context(), target(addr), "")
	if a.Result.Status != StatusUnknown || a.Result.Desc != "Ignoring incomplete line from agent" || a.State != AgentNone || a.Weight != -1 {
		t.Errorf("got %+v", a)
	}
	addr = origin(t, func(c net.Conn) {})
	a = RunAgent(t.Context(), target(addr), "")
	if a.Result.Status != StatusL7Resp || a.Result.Desc != "TCPCHK got an empty response at step 2" {
		t.Errorf("got %+v", a)
	}
	a = RunAgent(t.Context(), target(closedAddr(t)), "x")
	if a.Result.Status != StatusL4Conn || a.Result.Desc != "Connection refused" || a.Weight != -1 || a.MaxConn != -1 {
		t.Errorf("got %+v", a)
	}
	silent := origin(t, func(c net.Conn) { waitClosed(t, c) })
	tg := target(silent)
	tg.ReadTimeout = 100 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	a = RunAgent(ctx, tg, "")
	if a.Result.Status != StatusL7Timeout || a.Result.Desc != "" {
		t.Errorf("got %+v", a)
	}
	// The agent never sends a PROXY header, even when the checks do.
	first := make(chan string, 1)
	addr = origin(t, func(c net.Conn) {
		b := make([]byte, 2)
		io.ReadFull(c, b)
		first <- string(b)
		io.WriteString(c, "up\n")
	})
	tg = target(addr)
	tg.SendProxy = true
	RunAgent(t.Context(), tg, "hi")
	if s := <-first; s != "hi" {
		t.Errorf("agent sent %q first", s)
	}
}
