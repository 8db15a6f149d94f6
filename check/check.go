// Package check runs one health check of a server and says what it found,
// in haproxy's terms: a status (L4OK, L7STS…), a code and a description,
// which the server's state machine (package backend) turns into up and down
// and the logs print. Every kind of check haproxy 2.6 has is a rule set, as
// in haproxy: `option httpchk` and `http-check` lines, `option tcp-check`
// and `tcp-check` lines, and the protocol checks (`option mysql-check`…)
// which are predefined rule sets.
package check

import (
	"crypto/tls"
	"time"

	"switchyard/sample"
)

// Status is haproxy's check status (HCHK_STATUS_*), in haproxy's order:
// a status at or above L7OK carries an HTTP or protocol code.
type Status uint8

const (
	StatusUnknown   Status = iota
	StatusInit             // INI: not checked yet
	StatusSockErr          // SOCKERR
	StatusL4OK             // L4OK: connected
	StatusL4Timeout        // L4TOUT
	StatusL4Conn           // L4CON: connection refused, reset…
	StatusL6OK             // L6OK
	StatusL6Timeout        // L6TOUT
	StatusL6Resp           // L6RSP
	StatusL7Timeout        // L7TOUT
	StatusL7Resp           // L7RSP: invalid response
	StatusL7OK             // L7OK
	StatusL7OKCond         // L7OKC: conditionally passed (disable-on-404)
	StatusL7Status         // L7STS: wrong status
)

var statusInfo = [...]struct{ short, desc string }{
	StatusUnknown:   {"UNK", "Unknown"},
	StatusInit:      {"INI", "Initializing"},
	StatusSockErr:   {"SOCKERR", "Socket error"},
	StatusL4OK:      {"L4OK", "Layer4 check passed"},
	StatusL4Timeout: {"L4TOUT", "Layer4 timeout"},
	StatusL4Conn:    {"L4CON", "Layer4 connection problem"},
	StatusL6OK:      {"L6OK", "Layer6 check passed"},
	StatusL6Timeout: {"L6TOUT", "Layer6 timeout"},
	StatusL6Resp:    {"L6RSP", "Layer6 invalid response"},
	StatusL7Timeout: {"L7TOUT", "Layer7 timeout"},
	StatusL7Resp:    {"L7RSP", "Layer7 invalid response"},
	StatusL7OK:      {"L7OK", "Layer7 check passed"},
	StatusL7OKCond:  {"L7OKC", "Layer7 check conditionally passed"},
	StatusL7Status:  {"L7STS", "Layer7 wrong status"},
}

// String is the short name the stats page and `show servers state` use.
func (s Status) String() string { return statusInfo[s].short }

// Description is the words the state-change log lines use ("Layer4
// connection problem").
func (s Status) Description() string { return statusInfo[s].desc }

// HasCode says whether the status carries a code that logs print
// (haproxy's status >= HCHK_STATUS_L57DATA).
func (s Status) HasCode() bool { return s >= StatusL7OK }

// Outcome is what a result means for the server's health.
type Outcome uint8

const (
	Failed   Outcome = iota
	Passed           // the server is healthy
	CondPass         // healthy but wants no new traffic (disable-on-404): NOLB
	Neutral          // no information (an agent reply without a state)
)

// Outcome returns what a status means, as haproxy's table does.
func (s Status) Outcome() Outcome {
	switch s {
	case StatusL4OK, StatusL6OK, StatusL7OK:
		return Passed
	case StatusL7OKCond:
		return CondPass
	case StatusUnknown, StatusInit:
		return Neutral
	}
	return Failed
}

// Result is what one check found.
type Result struct {
	Status   Status
	Code     int    // the HTTP status or protocol code, when Status.HasCode()
	Desc     string // "Connection refused", "Service Unavailable"…; may be empty
	Duration time.Duration
	// Twice says that haproxy reports this check twice: this result,
	// then the same status and code with an empty description. The
	// successes of mysql-check and ldap-check do that (their last rule
	// sets the result, then the end of the rules sets it again), and each
	// report moves the health counter and may be logged: with `rise 3`,
	// two such checks bring a server up.
	Twice bool
}

// LogDesc is a description as haproxy's log lines print it between
// quotes (chunk_asciiencode): non-printable bytes, '<', '>' and '"' become
// "<XX>" in upper-case hexadecimal.
func LogDesc(s string) string {
	const hex = "0123456789ABCDEF"
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c < 0x7f && c != '<' && c != '>' && c != '"' {
			if b != nil {
				b = append(b, c)
			}
			continue
		}
		if b == nil {
			b = append(make([]byte, 0, len(s)+8), s[:i]...)
		}
		b = append(b, '<', hex[c>>4], hex[c&0xf], '>')
	}
	if b == nil {
		return s
	}
	return string(b)
}

// Target is where and how a check connects: the server's address or its
// `addr`/`port` overrides, and the timeouts haproxy derives (`timeout
// check` set: connect within min(timeout connect, inter), then read within
// timeout check; unset: inter for the whole check).
//
// As in haproxy, ConnectTimeout bounds each connect rule from the moment it
// starts, and once connected ReadTimeout, when set, replaces that deadline
// for the rest of the check; when ReadTimeout is 0 the connect deadline keeps
// running (haproxy without `timeout check`: inter for everything). Zero
// durations mean no deadline besides the context's.
type Target struct {
	Addr           string // host:port
	ConnectTimeout time.Duration
	ReadTimeout    time.Duration
	SendProxy      bool // check-send-proxy: a PROXY protocol v1 header first
	// ProxyV2: with SendProxy, send haproxy's version 2 header instead (a
	// LOCAL command, which is what haproxy's checks send when the server
	// has send-proxy-v2).
	ProxyV2 bool
	// Socks4 is the server's SOCKS4 proxy ("" for none): the default
	// connection goes through it with ViaSocks4 (check-via-socks4), a
	// `connect via-socks4` rule always.
	Socks4    string
	ViaSocks4 bool

	// TLS is how checks speak TLS to the server.
	TLS TLS
	// Counter counts the checks' TLS connections and handshakes, which
	// haproxy counts as the server's (nil: not counted).
	Counter TLSCounter

	// Down says the server is currently down (haproxy's next_state
	// STOPPED): `http-check disable-on-404` only applies to a server that
	// is up, so that a stopped server stays stopped on a 404.
	Down bool

	// What `http-check send-state` and log-format strings say of the
	// server: see SendState.
	Backend, Server string
	State           SendState
}

// TLSCounter counts a check's TLS endpoint (opened when the connection
// is made to speak TLS, closed with it, whether the handshake took place
// or not) and its handshake's outcome.
type TLSCounter interface {
	TLSOpen()
	TLSClose()
	TLSHandshake(ok, resumed bool)
}

// TLS is how a server's checks speak TLS. Config is the server's TLS
// client configuration (its `ssl` settings: verify, ca-file, crt…), which
// `connect ssl` rules use; nil when the server has none. Default: the
// default connection speaks TLS too (check-ssl, or the server's `ssl`
// when checks go to its own address and port), sending SNI and ALPN
// (check-sni, check-alpn).
type TLS struct {
	Config  *tls.Config
	Default bool
	SNI     string
	ALPN    []string
}

// SendState is what `http-check send-state` puts in the
// X-Haproxy-Server-State header: "UP 2/3; address=10.0.0.1; port=80;
// name=be/s1; node=lb1; weight=1/2; scur=0/1; qcur=0".
type SendState struct {
	Up                  string // "UP 2/3", "DOWN 1/2", "NOLB 3/3", "MAINT", "no check"
	Weight, TotalWeight int
	Active, Backup      int // servers up in the backend, active and backup (not in the header)
	Sessions, Queue     int // current sessions and queue of the server

	// Address and Port are the server's own (not the check's overrides);
	// both empty: taken from Target.Addr. Port is "" for a unix socket.
	Address, Port string
	// Node is the global `node` name; "": the host name, as haproxy.
	Node string
	// BackendSessions is the backend's current sessions less its queue
	// (the second number of scur).
	BackendSessions int
	// Throttle is the slowstart ratio in percent; 0 leaves it out.
	Throttle int
}

// Config is what a proxy section's check keywords configured, accumulated
// line by line (kw_check.go in package config) and compiled by Build. A
// section copies its defaults' Config with Clone.
//
// It keeps what haproxy keeps per proxy: which check option is on, the rule
// list it runs, the section's own http-check and tcp-check rule lists (a
// section that writes its own rules starts fresh lists rather than adding to
// its defaults', exactly as haproxy does), and the protocol checks' settings.
type Config struct {
	enabled bool    // a check option is on (haproxy's PR_O2_TCPCHK_CHK)
	proto   proto   // the kind of rule set (TCPCHK_RULES_*_CHK)
	list    listRef // which rule list the check runs
	// inherited is the list the defaults section ran, when list is
	// listInherited.
	inherited []*rule
	// httpRules and tcpRules are this section's own lines.
	httpRules, tcpRules []*rule
	// unusedHTTP: http-check rules were written without `option httpchk`
	// (haproxy warns that they are ignored).
	unusedHTTP bool
	vars       presetVars // what the protocol options configured

	disable404 bool // http-check disable-on-404
	sendState  bool // http-check send-state

	// env and httpMode are what the next lines' expressions and
	// log-format strings compile in (SetEnv).
	env      *sample.Env
	httpMode bool
}

// Clone returns a copy that can take more lines without changing c. The
// copy runs the same checks as c until a line changes them; as in haproxy,
// a copy's first rule line starts a new rule list of its own instead of
// extending the inherited one.
func (c *Config) Clone() *Config {
	cc := *c
	switch c.list {
	case listHTTP:
		cc.inherited, cc.list = cloneRules(c.httpRules), listInherited
	case listTCP:
		cc.inherited, cc.list = cloneRules(c.tcpRules), listInherited
	case listInherited:
		cc.inherited = cloneRules(c.inherited)
	}
	cc.httpRules, cc.tcpRules, cc.unusedHTTP = nil, nil, false
	return &cc
}
