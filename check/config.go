package check

import (
	"fmt"
	"strings"

	"switchyard/sample"
)

// Warning is returned by the Config methods for a line haproxy accepts
// with a warning: the line took effect, and the message should be shown.
type Warning struct{ Msg string }

func (w *Warning) Error() string { return w.Msg }

// optionMaxArgs is how many arguments each check option takes.
var optionMaxArgs = map[string]int{
	"httpchk": 3, "tcp-check": 0, "ssl-hello-chk": 0, "redis-check": 0,
	"ldap-check": 0, "smtpchk": 2, "pgsql-check": 2, "mysql-check": 3, "spop-check": 0,
}

// SetEnv says what the lines that follow compile their sample expressions
// and log-format strings in: the configuration's sample environment (pattern
// files and maps, names checked once every section is read) and whether
// the proxy is in mode http at that line (haproxy refuses the log-format
// variables reserved for HTTP otherwise). Without it, expressions compile
// as in a tcp proxy with a nil environment.
func (c *Config) SetEnv(env *sample.Env, httpMode bool) {
	c.env, c.httpMode = env, httpMode
}

func (c *Config) lfEnv() *lfEnv { return &lfEnv{env: c.env, httpMode: c.httpMode} }

// Option applies `option <name> <args>` for the check options: httpchk,
// tcp-check, ssl-hello-chk, redis-check, ldap-check, smtpchk, pgsql-check,
// mysql-check and spop-check. Each one replaces the previous check option,
// as in haproxy. A *Warning means the line was applied with a warning.
func (c *Config) Option(name string, args []string) error {
	max, ok := optionMaxArgs[name]
	if !ok {
		return fmt.Errorf("'%s' is not a health check option", name)
	}
	if len(args) > max {
		return fmt.Errorf("cannot handle unexpected argument '%s'", args[max])
	}
	switch name {
	case "httpchk":
		return c.optionHTTPChk(args)
	case "tcp-check":
		c.enabled = true
		if c.proto == protoTCP && c.list != listNone {
			return nil // already on: keep the rules (inherited ones too)
		}
		c.list, c.proto, c.vars, c.unusedHTTP = listTCP, protoTCP, presetVars{}, false
		return nil
	}
	var vars presetVars
	var p proto
	switch name {
	case "ssl-hello-chk":
		p = protoSSLHello
	case "redis-check":
		p = protoRedis
	case "ldap-check":
		p = protoLDAP
	case "spop-check":
		p = protoSPOP
	case "smtpchk":
		p = protoSMTP
		vars.smtpCmd = "HELO localhost"
		// Anything but "HELO <domain>" or "EHLO <domain>" silently means
		// the default, as in haproxy.
		if len(args) == 2 && args[1] != "" && (args[0] == "EHLO" || args[0] == "HELO") {
			vars.smtpCmd = args[0] + " " + args[1]
		}
	case "pgsql-check":
		p = protoPgSQL
		if argAt(args, 0) == "" || argAt(args, 1) == "" {
			return fmt.Errorf("expects 'user <username>' as argument.")
		}
		if args[0] != "user" {
			return fmt.Errorf("only supports optional values: 'user'.")
		}
		vars.pgsqlUser = args[1]
	case "mysql-check":
		p = protoMySQL
		if len(args) > 0 && args[0] != "" {
			if args[0] != "user" {
				return fmt.Errorf("only supports optional values: 'user' (got '%s').", args[0])
			}
			if argAt(args, 1) == "" {
				return fmt.Errorf("'user' expects <username> as argument.")
			}
			vars.mysqlUser = args[1]
			switch v := argAt(args, 2); v {
			case "", "post-41":
				vars.mysql41 = true
			case "pre-41":
			default:
				return fmt.Errorf("keyword 'user' only supports 'post-41' and 'pre-41' (got '%s').", v)
			}
		}
	}
	c.enabled, c.proto, c.list, c.vars, c.unusedHTTP = true, p, listBuiltin, vars, false
	return nil
}

// optionHTTPChk applies `option httpchk [<method>] [<uri>] [<version>]`.
// The version may hide headers and a body after a CRLF (the lexer turns
// "\r\n" into the two bytes), a form haproxy still reads with a warning.
func (c *Config) optionHTTPChk(args []string) error {
	h := &httpSend{fromOpt: true}
	var warn error
	vsn := argAt(args, 2)
	hdrAt, bodyAt := strings.Index(vsn, "\r\n"), strings.Index(vsn, "\r\n\r\n")
	if hdrAt == bodyAt {
		hdrAt = -1
	}
	var hdrText string
	if bodyAt >= 0 {
		h.body, h.hasBody = vsn[bodyAt+4:], true
		vsn = vsn[:bodyAt]
	}
	if hdrAt >= 0 {
		hdrText = vsn[hdrAt+2:]
		vsn = vsn[:hdrAt]
	}
	if hdrAt >= 0 || bodyAt >= 0 {
		warn = &Warning{"hiding headers or body at the end of the version string is deprecated. Please, consider to use 'http-check send' directive instead."}
	}
	if a0 := argAt(args, 0); a0 != "" {
		if argAt(args, 1) == "" {
			h.uri = a0
		} else {
			h.meth = a0
		}
	}
	if a1 := argAt(args, 1); a1 != "" {
		h.uri = a1
	}
	h.vsn = vsn
	if hdrAt >= 0 {
		hdrs, err := parseHeaderBlock(hdrText, c.lfEnv())
		if err != nil {
			return err
		}
		h.hdrs = hdrs
	}
	c.enabled, c.proto, c.list, c.vars, c.unusedHTTP = true, protoHTTP, listHTTP, presetVars{}, false
	c.addHTTPRule(&rule{act: actSend, send: sendRule{kind: sendHTTP, http: h}})
	return warn
}

// parseHeaderBlock reads the "Name: value" lines hidden in option
// httpchk's version; their values are log-format strings.
func parseHeaderBlock(text string, le *lfEnv) ([]httpHdr, error) {
	var hdrs []httpHdr
	for _, line := range strings.Split(text, "\r\n") {
		if line == "" {
			break
		}
		i := strings.IndexByte(line, ':')
		if i <= 0 || !isToken(line[:i]) {
			return nil, fmt.Errorf("unable to parse the request '%s\r\n\r\n'.", text)
		}
		lf, err := parseLF(strings.Trim(line[i+1:], " \t"), le)
		if err != nil {
			return nil, err
		}
		hdrs = append(hdrs, httpHdr{name: line[:i], value: lf})
	}
	return hdrs, nil
}

func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("()<>@,;:\\\"/[]?={}", c) >= 0 {
			return false
		}
	}
	return s != ""
}

// HTTPCheck applies an `http-check` line; args are the words after the
// keyword, the action first (connect, send, expect, comment,
// disable-on-404, send-state, set-var(<name>), set-var-fmt(<name>),
// unset-var(<name>)).
func (c *Config) HTTPCheck(args []string) error {
	act := argAt(args, 0)
	switch act {
	case "disable-on-404", "send-state":
		if act == "disable-on-404" {
			c.disable404 = true
		} else {
			c.sendState = true
		}
		if len(args) > 1 {
			return fmt.Errorf("'%s': cannot handle unexpected argument '%s'", act, args[1])
		}
		return nil
	}
	var r *rule
	var err error
	switch {
	case act == "connect":
		r, err = parseConnect(args, c.httpRules)
	case act == "send":
		r, err = parseSendHTTP(args, c.lfEnv())
	case act == "expect":
		r, err = parseExpect(args, true, c.lfEnv())
	case act == "comment":
		r, err = parseComment(args)
	case isVarAction(act):
		r, err = parseVarAction(args, c.lfEnv())
	default:
		return fmt.Errorf("only supports 'disable-on-404', 'send-state', 'comment', 'connect', 'send', 'expect', 'set-var(<var-name>)', 'set-var-fmt(<var-name>)', 'unset-var(<var-name>)', but got '%s'", act)
	}
	if err != nil {
		return fmt.Errorf("'%s': %w", act, err)
	}
	if n := len(c.httpRules); n > 0 && !c.httpRules[n-1].isOptSend() {
		r.index = c.httpRules[n-1].index + 1
	}
	if c.enabled && c.proto == protoHTTP {
		// The check runs this section's own list from now on, even if
		// it ran its defaults' until here.
		c.list, c.unusedHTTP = listHTTP, false
		if err := c.addHTTPRule(r); err != nil {
			return fmt.Errorf("'%s': %w", act, err)
		}
		return nil
	}
	c.unusedHTTP = true
	c.httpRules = append(c.httpRules, r)
	return nil
}

// TCPCheck applies a `tcp-check` line; args are the words after the
// keyword, the action first (connect, send, send-lf, send-binary,
// send-binary-lf, expect, comment, set-var(<name>), set-var-fmt(<name>),
// unset-var(<name>)).
func (c *Config) TCPCheck(args []string) error {
	act := argAt(args, 0)
	var r *rule
	var err error
	switch {
	case act == "connect":
		r, err = parseConnect(args, c.tcpRules)
	case act == "send" || act == "send-lf" || act == "send-binary" || act == "send-binary-lf":
		r, err = parseSend(args, c.lfEnv())
	case act == "expect":
		r, err = parseExpect(args, false, c.lfEnv())
	case act == "comment":
		r, err = parseComment(args)
	case isVarAction(act):
		r, err = parseVarAction(args, c.lfEnv())
	default:
		return fmt.Errorf("only supports 'comment', 'connect', 'send', 'send-lf', 'send-binary', 'send-binary-lf', 'expect', 'set-var(<var-name>)', 'set-var-fmt(<var-name>)', 'unset-var(<var-name>)', but got '%s'", act)
	}
	if err != nil {
		return fmt.Errorf("'%s': %w", act, err)
	}
	if n := len(c.tcpRules); n > 0 {
		r.index = c.tcpRules[n-1].index + 1
	}
	c.tcpRules = append(c.tcpRules, r)
	if c.enabled && c.proto == protoTCP {
		c.list = listTCP
	}
	return nil
}

// addHTTPRule adds r to the section's http-check list as haproxy's
// tcpcheck_add_http_rule: the request of `option httpchk` and the first
// `http-check send` merge into one rule, whichever comes first, and the
// list must read connect, send, expect in that order.
func (c *Config) addHTTPRule(r *rule) error {
	rules := c.httpRules
	if r.isOptSend() {
		i := firstRule(rules)
		if i >= 0 && rules[i].act == actConnect {
			i = nextRule(rules, i)
		}
		switch {
		case i < 0 || rules[i].act != actSend:
			c.httpRules = append([]*rule{r}, rules...)
		case rules[i].isOptSend():
			rest := append(rules[:i:i], rules[i+1:]...)
			c.httpRules = append([]*rule{r}, rest...)
		default:
			mergeHTTPSend(rules[i].send.http, r.send.http)
		}
		return nil
	}
	if i := lastRule(rules); i >= 0 && !rules[i].isOptSend() {
		last := rules[i].act
		switch {
		case last != actConnect && r.act == actSend:
			return fmt.Errorf("unable to add http-check send rule at step %d (missing connect rule).", r.index+1)
		case last != actSend && last != actExpect && r.act == actExpect:
			return fmt.Errorf("unable to add http-check expect rule at step %d (missing send rule).", r.index+1)
		case last != actExpect && r.act == actConnect:
			return fmt.Errorf("unable to add http-check connect rule at step %d (missing expect rule).", r.index+1)
		}
	}
	if r.act == actSend {
		if i := firstRule(rules); i >= 0 && rules[i].isOptSend() {
			opt := rules[i]
			mergeHTTPSend(opt.send.http, r.send.http)
			opt.send.http.fromOpt = false
			rules = append(rules[:i:i], rules[i+1:]...)
			r = opt
		}
	}
	c.httpRules = append(rules, r)
	return nil
}

// mergeHTTPSend overwrites what old says with what nw says, element by
// element (method, URI, version, headers as a whole, body).
func mergeHTTPSend(old, nw *httpSend) {
	if nw.meth != "" {
		old.meth = nw.meth
	}
	if nw.uri != "" || nw.uriLF != nil {
		old.uri, old.uriLF = nw.uri, nw.uriLF
	}
	if nw.vsn != "" {
		old.vsn = nw.vsn
	}
	if len(nw.hdrs) > 0 {
		old.hdrs = nw.hdrs
	}
	if nw.hasBody {
		old.body, old.bodyLF, old.hasBody = nw.body, nw.bodyLF, true
	}
}

// Warnings returns what haproxy warns about the section's check settings
// once it is parsed; kind and name name the section ("backend", "app").
func (c *Config) Warnings(kind, name string) []string {
	if c == nil {
		return nil
	}
	var w []string
	if c.unusedHTTP {
		w = append(w, fmt.Sprintf("%s '%s' uses http-check rules without 'option httpchk', so the rules are ignored.", kind, name))
	}
	if c.enabled && c.proto != protoHTTP {
		if c.disable404 {
			w = append(w, fmt.Sprintf("'disable-on-404' will be ignored for %s '%s' (requires 'option httpchk').", kind, name))
		}
		if c.sendState {
			w = append(w, fmt.Sprintf("'send-state' will be ignored for %s '%s' (requires 'option httpchk').", kind, name))
		}
	}
	return w
}
