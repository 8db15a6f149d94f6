package check

import (
	"bytes"
	"context"
	"strings"
)

// AgentState is a word of an agent's reply: a health state (up, down,
// stopped, fail) or an administrative one (ready, drain, maint).
type AgentState uint8

const (
	AgentNone AgentState = iota
	AgentUp
	AgentDown
	AgentReady
	AgentDrain
	AgentMaint
	AgentStopped
	AgentFail
)

var agentWords = [...]string{AgentNone: "", AgentUp: "up", AgentDown: "down", AgentReady: "ready",
	AgentDrain: "drain", AgentMaint: "maint", AgentStopped: "stopped", AgentFail: "fail"}

func (s AgentState) String() string { return agentWords[s] }

// AgentResult is what an agent check found: haproxy's status and
// description for the agent (Result), and what the reply asks of the
// server.
type AgentResult struct {
	// Result is the agent check's result as haproxy sets it: L7OK for
	// "up", L7STS for "down", "stopped" and "fail", a connection or
	// timeout failure, or StatusUnknown (no change: haproxy's CHECKED)
	// when the reply has no health word.
	Result Result
	// State is the reply's last health word (AgentUp, AgentDown,
	// AgentStopped, AgentFail) or AgentNone; Admin its last
	// administrative word (AgentReady, AgentDrain, AgentMaint) or
	// AgentNone.
	State, Admin AgentState
	// Weight is the reply's weight in percent of the server's initial
	// weight (haproxy caps it at 25600; the server's new weight is
	// initial*Weight/100, at most 256); -1 when not given or invalid.
	Weight int
	// MaxConn is the reply's "maxconn:<n>"; -1 when not given or invalid.
	MaxConn int
	// Desc is the text after '#'.
	Desc string
	// Error is the first word the reply had that means nothing.
	Error string

	health                  string // the health word as the agent wrote it
	weightWarn, maxconnWarn string // haproxy's complaints about them
}

// ParseAgentReply reads an agent's reply line (without its CR or LF) as
// haproxy does: words separated by spaces, tabs or commas, in any order,
// the last of a kind winning; a '#' starts a description.
func ParseAgentReply(line string) AgentResult {
	a := AgentResult{Weight: -1, MaxConn: -1}
	i := 0
	for i < len(line) {
		c := line[i]
		if c == ' ' || c == '\t' || c == ',' {
			i++
			continue
		}
		if c == '#' {
			a.Desc = strings.TrimLeft(strings.TrimLeft(line[i+1:], "\t "), " \n")
			break
		}
		j := i + 1
		for j < len(line) && line[j] != '\t' && line[j] != ' ' && line[j] != '\n' && line[j] != ',' {
			j++
		}
		word := line[i:j]
		i = j + 1
		switch lw := strings.ToLower(word); {
		case lw == "up":
			a.State, a.health = AgentUp, word
		case lw == "down":
			a.State, a.health = AgentDown, word
		case lw == "stopped":
			a.State, a.health = AgentStopped, word
		case lw == "fail":
			a.State, a.health = AgentFail, word
		case lw == "ready":
			a.Admin = AgentReady
		case lw == "drain":
			a.Admin = AgentDrain
		case lw == "maint":
			a.Admin = AgentMaint
		case word[0] >= '0' && word[0] <= '9' && strings.IndexByte(word, '%') >= 0:
			a.Weight, a.weightWarn = agentWeight(word)
		case strings.HasPrefix(lw, "maxconn:"):
			a.MaxConn, a.maxconnWarn = agentMaxConn(word[len("maxconn:"):])
		default:
			if a.Error == "" {
				a.Error = word
			}
		}
	}
	a.describe()
	return a
}

// Warning is what haproxy would say of the reply's weight or maxconn:
// the weight's complaint first.
func (a *AgentResult) Warning() string {
	if a.weightWarn != "" {
		return a.weightWarn
	}
	return a.maxconnWarn
}

// SetWeightWarning records why the server refused the reply's weight (a
// backend with a static algorithm only takes 0% and 100%, in haproxy's
// words "Backend is using a static LB algorithm and only accepts weights
// '0%' and '100%'.\n"), which haproxy puts in the description, and
// updates Result.Desc.
func (a *AgentResult) SetWeightWarning(msg string) {
	a.weightWarn = msg
	a.describe()
}

// describe sets the result's status and description as haproxy's agent
// reply handler.
func (a *AgentResult) describe() {
	wrn := a.Warning()
	switch {
	case a.health != "":
		st := StatusL7Status
		if a.State == AgentUp {
			st = StatusL7OK
		}
		msg := a.Desc
		if msg == "" || st == StatusL7OK {
			if a.Error != "" {
				msg = a.Error
			} else if wrn != "" {
				msg = wrn
			}
		}
		d := "via agent : " + a.health
		if msg != "" {
			d += " (" + msg + ")"
		}
		a.Result.Status, a.Result.Desc = st, clipDesc(d)
	case a.Error != "":
		a.Result.Status, a.Result.Desc = StatusUnknown, clipDesc("agent reports an error : "+a.Error)
	case wrn != "":
		a.Result.Status, a.Result.Desc = StatusUnknown, clipDesc("agent warns : "+wrn)
	default:
		a.Result.Status, a.Result.Desc = StatusUnknown, ""
	}
}

// strtol reads s as C's strtol in base 10: blanks, a sign, digits
// (saturating); it returns the value and where the digits end (0 when
// there are none).
func strtol(s string) (int64, int) {
	i := 0
	for i < len(s) && strings.IndexByte(" \t\n\v\f\r", s[i]) >= 0 {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var n int64
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		if n <= (1<<63-1)/10 {
			n = n*10 + int64(s[i]-'0')
		} else {
			n = 1<<63 - 1
		}
		i++
	}
	if i == start {
		return 0, 0
	}
	if neg {
		n = -n
	}
	return n, i
}

// agentWeight checks a weight word ("75%") as haproxy's
// server_parse_weight_change_request, without the server.
func agentWeight(s string) (int, string) {
	w, end := strtol(s)
	switch {
	case end == 0:
		return -1, "Empty weight string empty or preceded by garbage"
	case s[end:] == "%":
		if w < 0 {
			return -1, "Relative weight must be positive.\n"
		}
		return int(min(w, 25600)), ""
	case w < 0 || w > 256:
		return -1, "Absolute weight can only be between 0 and 256 inclusive.\n"
	}
	return -1, "Trailing garbage in weight string"
}

func agentMaxConn(s string) (int, string) {
	if s == "" {
		return -1, "Require <maxconn>.\n"
	}
	v, end := strtol(s)
	switch {
	case end == 0:
		return -1, "maxconn string empty or preceded by garbage"
	case end != len(s):
		return -1, "Trailing garbage in maxconn string"
	}
	return int(max(min(v, 1<<31-1), -1<<31)), ""
}

// agentReply is the agent's expect rule: one line, ended by CR or LF.
func agentReply(x *run, r *rule, lastRead bool) evalRet {
	end := bytes.IndexAny(x.buf, "\r\n\x00")
	if end < 0 || x.buf[end] == 0 {
		if !lastRead {
			return evalWait
		}
		// haproxy keeps the agent's previous status and says why: no
		// new information.
		return x.fail(StatusUnknown, "Ignoring incomplete line from agent")
	}
	a := ParseAgentReply(string(x.buf[:end]))
	x.agent = &a
	x.res, x.done = a.Result, true
	return evalStop
}

// RunAgent runs an agent-check against t: connect (never with a PROXY
// header), send send unless it is empty, read one line and parse it.
func RunAgent(ctx context.Context, t *Target, send string) AgentResult {
	rules := []*rule{
		{act: actConnect, connect: connectRule{def: true, implicit: true}},
		{act: actSend, index: 0, send: sendRule{kind: sendStringLF, lf: lfText(send)}},
		{act: actExpect, index: 1, expect: expectRule{typ: expCustom, custom: agentReply, minRecv: -1, head: 2}},
	}
	rs := &Ruleset{proto: protoAgent, rules: rules}
	res, agent := rs.execute(ctx, t)
	a := AgentResult{Weight: -1, MaxConn: -1}
	if agent != nil {
		a = *agent
	}
	a.Result = res
	return a
}
