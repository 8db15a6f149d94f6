package check

import (
	"net/netip"
	"regexp"
	"slices"
)

// proto is the kind of rule set a check runs, haproxy's
// TCPCHK_RULES_*_CHK: it decides how expect rules read a response (HTTP
// messages or raw bytes) and whether failures carry the generic tcp-check
// wording ("TCPCHK did not match content …", " at step 2 of tcp-check").
type proto uint8

const (
	protoNone     proto = iota // a plain connect: no option, default rules
	protoTCP                   // option tcp-check
	protoHTTP                  // option httpchk
	protoRedis                 // option redis-check
	protoSSLHello              // option ssl-hello-chk
	protoSMTP                  // option smtpchk
	protoPgSQL                 // option pgsql-check
	protoMySQL                 // option mysql-check
	protoLDAP                  // option ldap-check
	protoSPOP                  // option spop-check
	protoAgent                 // agent-check
)

// listRef says which rule list a section's check runs (haproxy points
// tcpcheck_rules.list at one of several named rule sets).
type listRef uint8

const (
	listNone      listRef = iota
	listHTTP              // the section's own http-check lines
	listTCP               // the section's own tcp-check lines
	listInherited         // the list its defaults section ran
	listBuiltin           // a protocol check's predefined rules
)

// presetVars are what haproxy keeps as the check's preset variables: the
// settings of the protocol options, which its predefined rules use.
type presetVars struct {
	smtpCmd   string // "HELO localhost" or the option's "EHLO domain"
	pgsqlUser string
	mysqlUser string // "": no user, the check only reads the handshake
	mysql41   bool   // post-41 client authentication packet
}

type action uint8

const (
	actConnect action = iota + 1
	actSend
	actExpect
	actComment
	actVar // set-var, set-var-fmt, unset-var (haproxy's action keywords)
)

// rule is one step of a rule set, haproxy's struct tcpcheck_rule.
type rule struct {
	act action
	// index is haproxy's step index: messages say "step index+1" (an
	// implicit first connect is step 0, "the initial connection step").
	index   int
	comment string
	connect connectRule
	send    sendRule
	expect  expectRule
	vars    *varRule
}

type connectRule struct {
	port      int        // port option; 0: none
	addr      netip.Addr // addr option; invalid: none
	addrPort  int        // the port given with addr; 0: none
	def       bool       // default: the server's check settings (send-proxy)
	implicit  bool       // inserted by haproxy, not written
	sendProxy bool
	viaSocks4 bool // through the server's SOCKS4 proxy
	linger    bool // close with a FIN rather than haproxy's usual RST
	// ssl: the connection speaks TLS, with the server's TLS settings,
	// sending sni and alpn (haproxy's connect ssl, sni, alpn).
	ssl  bool
	sni  string
	alpn []string
}

type sendKind uint8

const (
	sendString sendKind = iota + 1
	sendBinary
	sendStringLF
	sendBinaryLF
	sendHTTP
)

type sendRule struct {
	kind sendKind
	data []byte    // sendString, sendBinary
	lf   *lfString // sendStringLF, sendBinaryLF
	// gen builds the data of predefined rules that change per check (the
	// SSL hello carries the time); it wins over data and lf.
	gen  func(t *Target) []byte
	http *httpSend
}

// httpSend is an HTTP request: `http-check send` or `option httpchk`.
type httpSend struct {
	fromOpt bool   // the implicit request of an `option httpchk` line
	meth    string // "": not given (OPTIONS)
	uri     string // "": not given ("/")
	uriLF   *lfString
	vsn     string // "": not given (HTTP/1.0)
	hdrs    []httpHdr
	body    string
	bodyLF  *lfString
	hasBody bool
}

type httpHdr struct {
	name  string
	value *lfString
}

type expectType uint8

const (
	expString expectType = iota + 1
	expBinary
	expRegex
	expBinaryRegex
	expStringLF
	expBinaryLF
	expCustom
	expHTTPStatus
	expHTTPStatusRegex
	expHTTPHeader
	expHTTPBody
	expHTTPBodyRegex
	expHTTPBodyLF
)

// evalRet is what evaluating a rule says: go on, wait for more data, or
// stop (the check's result is set).
type evalRet uint8

const (
	evalContinue evalRet = iota
	evalWait
	evalStop
)

type expectRule struct {
	typ     expectType
	data    []byte // expString, expBinary, expHTTPBody
	re      *regexp.Regexp
	lf      *lfString // the -lf patterns
	codes   [][2]int  // expHTTPStatus ranges
	hdr     hdrMatch
	minRecv int // -1: not set
	inverse bool
	// Statuses given by ok-status, error-status and tout-status;
	// StatusUnknown when not given.
	okStatus, errStatus, toutStatus Status
	// onSuccess and onError make the description (on-success, on-error,
	// and the protocol checks' own); nil when not given.
	onSuccess, onError func(x *run) string
	// statusCode sets the check's code from the response: status-code
	// <expr>, or the SMTP check's own reading of the reply.
	statusCode func(x *run) (int, bool)
	custom     func(x *run, r *rule, lastRead bool) evalRet
	// head is the position of the rule evaluation resumes from after
	// waiting for more data: the first inverted expect of the run of
	// expects this one ends, or itself.
	head int
}

type matchMeth uint8

const (
	matchStr matchMeth = iota
	matchBeg
	matchEnd
	matchSub
	matchReg
)

// hdrMatch is the pattern of `expect hdr` and `expect fhdr`.
type hdrMatch struct {
	nameMeth  matchMeth
	name      string
	nameLF    *lfString
	nameRE    *regexp.Regexp
	noValue   bool // only the name is tested
	valueMeth matchMeth
	value     string
	valueLF   *lfString
	valueRE   *regexp.Regexp
	full      bool // fhdr: the whole value, commas included
}

// clone copies r deeply enough that merging an HTTP request into the copy
// leaves r alone.
func (r *rule) clone() *rule {
	c := *r
	if r.send.http != nil {
		h := *r.send.http
		h.hdrs = slices.Clone(h.hdrs)
		c.send.http = &h
	}
	return &c
}

func cloneRules(rs []*rule) []*rule {
	if rs == nil {
		return nil
	}
	out := make([]*rule, len(rs))
	for i, r := range rs {
		out[i] = r.clone()
	}
	return out
}

// firstRule and lastRule skip comments and variable actions, as haproxy's
// get_first/last_tcpcheck_rule; they return -1 when there is none.
func firstRule(rs []*rule) int { return nextRule(rs, -1) }

func nextRule(rs []*rule, from int) int {
	for i := from + 1; i < len(rs); i++ {
		if rs[i].isStep() {
			return i
		}
	}
	return -1
}

func lastRule(rs []*rule) int {
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i].isStep() {
			return i
		}
	}
	return -1
}

// isStep says whether r is a connect, a send or an expect: the rules the
// order of a rule set is about, which become the current step as they run.
func (r *rule) isStep() bool { return r.act != actComment && r.act != actVar }

// isOptSend says whether r is the implicit request of `option httpchk`.
func (r *rule) isOptSend() bool {
	return r.act == actSend && r.send.http != nil && r.send.http.fromOpt
}
