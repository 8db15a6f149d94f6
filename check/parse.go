package check

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"

	"switchyard/sample"

	"switchyard/ssl"
)

// The parsers below read one rule line the way haproxy 2.6's tcpcheck.c
// does (same options, same refusals, wording close to its messages) and
// build a rule. args[0] is the action word ("connect", "expect"…).

// argAt returns args[i], or "" past the end (haproxy's argument arrays end
// with empty strings, and its parsers test for them).
func argAt(args []string, i int) string {
	if i < len(args) {
		return args[i]
	}
	return ""
}

func notYet(what string) error {
	return fmt.Errorf("%s is not supported yet by switchyard", what)
}

// parseConnect parses "connect [options]"; rules is the list it joins,
// which must not hold a send or an expect before its first connect.
func parseConnect(args []string, rules []*rule) (*rule, error) {
	for _, r := range rules {
		if r.act == actConnect {
			break
		}
		if !r.isStep() || r.isOptSend() {
			continue
		}
		return nil, fmt.Errorf("first step MUST also be a 'connect', optionally preceded by a 'set-var', an 'unset-var' or a 'comment', when there is a 'connect' step in the tcp-check ruleset")
	}
	r := &rule{act: actConnect}
	c := &r.connect
	for i := 1; i < len(args); i++ {
		switch opt := args[i]; opt {
		case "default":
			c.def = true
		case "addr":
			v := argAt(args, i+1)
			if v == "" {
				return nil, fmt.Errorf("'%s' expects <ipv4|ipv6> as argument.", opt)
			}
			a, p, err := parseCheckAddr(v)
			if err != nil {
				return nil, fmt.Errorf("'%s' : %v.", opt, err)
			}
			c.addr, c.addrPort = a, p
			i++
		case "port":
			v := argAt(args, i+1)
			if v == "" {
				return nil, fmt.Errorf("'%s' expects a port number or a sample expression as argument.", opt)
			}
			i++
			n, digits := readUint(v)
			if digits != len(v) {
				return nil, notYet(fmt.Sprintf("'port %s': a sample expression as port", v))
			}
			if n < 1 || n > 65535 {
				return nil, fmt.Errorf("expects a valid TCP port (from range 1 to 65535) or a sample expression, got %s.", v)
			}
			c.port = int(n)
		case "comment":
			v := argAt(args, i+1)
			if v == "" {
				return nil, fmt.Errorf("'%s' expects a string as argument.", opt)
			}
			r.comment = v
			i++
		case "send-proxy":
			c.sendProxy = true
		case "linger":
			c.linger = true
		case "via-socks4":
			c.viaSocks4 = true
		case "ssl":
			c.ssl = true
		case "sni":
			v := argAt(args, i+1)
			if v == "" {
				return nil, fmt.Errorf("'%s' expects a string as argument.", opt)
			}
			c.sni = v
			i++
		case "alpn":
			v := argAt(args, i+1)
			if v == "" {
				return nil, fmt.Errorf("'%s' expects a comma separated list of protocols as argument.", opt)
			}
			p, err := ssl.ParseALPN(v)
			if err != nil {
				return nil, fmt.Errorf("'%s' : %v", opt, err)
			}
			c.alpn = p
			i++
		case "proto":
			return nil, notYet(fmt.Sprintf("'%s' on a check connect rule", opt))
		default:
			return nil, fmt.Errorf("expects 'comment', 'port', 'addr', 'send-proxy', 'ssl', 'sni', 'alpn' or 'via-socks4', 'linger', 'default' but got '%s' as argument.", opt)
		}
	}
	return r, nil
}

// parseCheckAddr reads the address of "connect addr": an IP address with
// an optional port, as haproxy's address syntax ("10.0.0.1", "10.0.0.1:80",
// "::1", "[::1]:80"; with several colons and no brackets the port is after
// the last one, as haproxy reads it). Host names are not resolved.
func parseCheckAddr(s string) (netip.Addr, int, error) {
	host, port := s, ""
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return netip.Addr{}, 0, fmt.Errorf("invalid address '%s'", s)
		}
		host, port = s[1:end], strings.TrimPrefix(s[end+1:], ":")
		if len(s) > end+1 && s[end+1] != ':' {
			return netip.Addr{}, 0, fmt.Errorf("invalid address '%s'", s)
		}
	} else if i := strings.LastIndexByte(s, ':'); i >= 0 {
		if a, err := netip.ParseAddr(s); err == nil && strings.Count(s, ":") > 1 && !strings.HasSuffix(s, "::") {
			// A bare IPv6 address: haproxy would take its last group as
			// a port, which is never what is meant; refuse to guess.
			return netip.Addr{}, 0, fmt.Errorf("ambiguous IPv6 address '%s': write it as [%s]:<port> or [%s]", s, a, a)
		}
		host, port = s[:i], s[i+1:]
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, 0, fmt.Errorf("invalid address '%s' (host names are not supported yet by switchyard here, write an IP address)", host)
	}
	p := 0
	if port != "" {
		n, digits := readUint(port)
		if digits != len(port) || n > 65535 {
			return netip.Addr{}, 0, fmt.Errorf("invalid port '%s'", port)
		}
		p = int(n)
	}
	return a.Unmap(), p, nil
}

// readUint reads the leading decimal digits of s as haproxy's read_uint
// and returns the value (saturated) and how many digits it used.
func readUint(s string) (uint64, int) {
	var n uint64
	i := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		if n < math.MaxUint32 {
			n = n*10 + uint64(s[i]-'0')
		}
	}
	return n, i
}

// atol is C's atol: optional blanks and sign, then digits.
func atol(s string) int64 {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var n int64
	for i := 0; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		if n > math.MaxInt64/10 {
			n = math.MaxInt64
			break
		}
		n = n*10 + int64(s[i]-'0')
	}
	if neg {
		return -n
	}
	return n
}

// parseHex decodes a hexadecimal string as haproxy's parse_binary.
func parseHex(s string) ([]byte, error) {
	if len(s)%2 != 0 {
		return nil, fmt.Errorf("an even number of hex digit is expected")
	}
	out := make([]byte, len(s)/2)
	for i := 0; i < len(s); i += 2 {
		hi, ok1 := hexVal(s[i])
		lo, ok2 := hexVal(s[i+1])
		if !ok1 {
			return nil, fmt.Errorf("an hex digit is expected (found '%c')", s[i])
		}
		if !ok2 {
			return nil, fmt.Errorf("an hex digit is expected (found '%c')", s[i+1])
		}
		out[i/2] = hi<<4 | lo
	}
	return out, nil
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// parseSend parses a tcp-check "send", "send-lf", "send-binary" or
// "send-binary-lf" line.
func parseSend(args []string, le *lfEnv) (*rule, error) {
	kind := map[string]sendKind{"send": sendString, "send-lf": sendStringLF,
		"send-binary": sendBinary, "send-binary-lf": sendBinaryLF}[args[0]]
	data := argAt(args, 1)
	if data == "" {
		what := "a string"
		if kind == sendBinary || kind == sendBinaryLF {
			what = "a binary string"
		}
		return nil, fmt.Errorf("'%s' expects %s as argument", args[0], what)
	}
	r := &rule{act: actSend}
	for i := 2; i < len(args); i++ {
		if args[i] != "comment" {
			return nil, fmt.Errorf("expects 'comment' but got '%s' as argument.", args[i])
		}
		v := argAt(args, i+1)
		if v == "" {
			return nil, fmt.Errorf("'%s' expects a string as argument.", args[i])
		}
		r.comment = v
		i++
	}
	r.send.kind = kind
	switch kind {
	case sendString:
		r.send.data = []byte(data)
	case sendBinary:
		b, err := parseHex(data)
		if err != nil {
			return nil, fmt.Errorf("'%s' invalid binary string (%v).", data, err)
		}
		r.send.data = b
	default:
		lf, err := parseLF(data, le)
		if err != nil {
			return nil, fmt.Errorf("'%s' invalid log-format string (%v).", data, err)
		}
		r.send.lf = lf
	}
	return r, nil
}

// parseSendHTTP parses an http-check "send" line.
func parseSendHTTP(args []string, le *lfEnv) (*rule, error) {
	h := &httpSend{}
	r := &rule{act: actSend, send: sendRule{kind: sendHTTP, http: h}}
	var uri, body string
	uriLF, bodyLF := false, false
	hasHost := -1
	for i := 1; i < len(args); i++ {
		opt := args[i]
		need := func() (string, error) {
			v := argAt(args, i+1)
			if v == "" {
				return "", fmt.Errorf("'%s' expects a string as argument.", opt)
			}
			i++
			return v, nil
		}
		var err error
		switch opt {
		case "meth":
			h.meth, err = need()
		case "uri", "uri-lf":
			uri, err = need()
			uriLF = opt == "uri-lf"
		case "ver":
			h.vsn, err = need()
		case "body", "body-lf":
			body, err = need()
			bodyLF = opt == "body-lf"
			h.hasBody = true
		case "comment":
			r.comment, err = need()
		case "hdr":
			name, value := argAt(args, i+1), argAt(args, i+2)
			if name == "" || value == "" {
				return nil, fmt.Errorf("'%s' expects <name> and <value> as arguments", opt)
			}
			i += 2
			switch {
			case strings.EqualFold(name, "host"):
				if hasHost >= 0 {
					return nil, fmt.Errorf("'%s' header already defined (previous value is '%s')", name, args[hasHost])
				}
				hasHost = i
			case strings.EqualFold(name, "content-length"), strings.EqualFold(name, "transfer-encoding"):
				// haproxy computes the framing itself and drops these.
				continue
			}
			lf, err := parseLF(value, le)
			if err != nil {
				return nil, err
			}
			h.hdrs = append(h.hdrs, httpHdr{name: name, value: lf})
		default:
			return nil, fmt.Errorf("expects 'comment', 'meth', 'uri', 'uri-lf', 'ver', 'hdr', 'body' or 'body-lf' but got '%s' as argument.", opt)
		}
		if err != nil {
			return nil, err
		}
	}
	if uri != "" {
		if uriLF {
			lf, err := parseLF(uri, le)
			if err != nil {
				return nil, fmt.Errorf("'%s' invalid log-format string (%v).", uri, err)
			}
			h.uriLF = lf
		} else {
			h.uri = uri
		}
	}
	if h.hasBody {
		if bodyLF {
			lf, err := parseLF(body, le)
			if err != nil {
				return nil, fmt.Errorf("'%s' invalid log-format string (%v).", body, err)
			}
			h.bodyLF = lf
		} else {
			h.body = body
		}
	}
	return r, nil
}

// parseComment parses a "comment <string>" line.
func parseComment(args []string) (*rule, error) {
	v := argAt(args, 1)
	if v == "" {
		return nil, fmt.Errorf("expects a string as argument")
	}
	return &rule{act: actComment, comment: v}, nil
}

// parseStatus reads the argument of ok-status, error-status or tout-status.
func parseStatus(opt, v string, allowed []Status, names string) (Status, error) {
	for _, s := range allowed {
		if strings.EqualFold(v, s.String()) {
			return s, nil
		}
	}
	return 0, fmt.Errorf("'%s' only supports %s status (got '%s').", opt, names, v)
}

// parseExpect parses an "expect" line of tcp-check (http false) or
// http-check (http true).
func parseExpect(args []string, http bool, le *lfEnv) (*rule, error) {
	if argAt(args, 1) == "" {
		return nil, fmt.Errorf("expects at least a matching pattern as arguments")
	}
	r := &rule{act: actExpect}
	e := &r.expect
	e.minRecv = -1
	var typ expectType
	var pattern, npat, vpat string
	var onSuccess, onError, statusExpr string
	hasOnSuccess, hasOnError := false, false
	var hflags struct{ nameLF, valueLF bool }
	badKw := func(w string) error {
		if http {
			return fmt.Errorf("only supports min-recv, [!]string, [!]rstring, [!]string-lf, [!]status, [!]rstatus, [!]hdr, [!]fhdr or comment but got '%s' as argument.", w)
		}
		return fmt.Errorf("only supports min-recv, [!]binary, [!]string, [!]rstring, [!]string-lf, [!]rbinary, [!]binary-lf or comment but got '%s' as argument.", w)
	}
	onePattern := func() error {
		if typ != 0 {
			return fmt.Errorf("only one pattern expected")
		}
		return nil
	}
	for i := 1; i < len(args); i++ {
		w := args[i]
		inPattern := false
		// "!" inverts the match that follows, glued to it or not; each
		// one toggles.
		for strings.HasPrefix(w, "!") {
			for strings.HasPrefix(w, "!") {
				e.inverse = !e.inverse
				w = w[1:]
			}
			inPattern = true
			if w == "" {
				i++
				w = argAt(args, i)
				if w == "" {
					return nil, badKw(w)
				}
			}
		}
		notInPattern := func() error {
			if inPattern {
				return fmt.Errorf("[!] not supported with '%s'", w)
			}
			return nil
		}
		needArg := func(what string) (string, error) {
			v := argAt(args, i+1)
			if v == "" {
				return "", fmt.Errorf("'%s' expects %s as argument", w, what)
			}
			i++
			return v, nil
		}
		var err error
		switch w {
		case "min-recv":
			if err = notInPattern(); err != nil {
				return nil, err
			}
			var v string
			if v, err = needArg("a integer"); err != nil {
				return nil, err
			}
			n := atol(v)
			if n < -1 || n > math.MaxInt32 {
				return nil, fmt.Errorf("'%s' expects -1 or an integer from 0 to INT_MAX", w)
			}
			e.minRecv = int(n)
		case "string", "rstring":
			if err = onePattern(); err != nil {
				return nil, err
			}
			switch {
			case !http && w == "string":
				typ = expString
			case !http:
				typ = expRegex
			case w == "string":
				typ = expHTTPBody
			default:
				typ = expHTTPBodyRegex
			}
			pattern, err = needArg("a <pattern>")
		case "binary", "rbinary":
			if http {
				return nil, badKw(w)
			}
			if err = onePattern(); err != nil {
				return nil, err
			}
			typ = expBinary
			if w == "rbinary" {
				typ = expBinaryRegex
			}
			pattern, err = needArg("a <pattern>")
		case "string-lf", "binary-lf":
			if http && w == "binary-lf" {
				return nil, badKw(w)
			}
			if err = onePattern(); err != nil {
				return nil, err
			}
			switch {
			case http:
				typ = expHTTPBodyLF
			case w == "string-lf":
				typ = expStringLF
			default:
				typ = expBinaryLF
			}
			pattern, err = needArg("a <pattern>")
		case "status", "rstatus":
			if !http {
				return nil, badKw(w)
			}
			if err = onePattern(); err != nil {
				return nil, err
			}
			typ = expHTTPStatus
			if w == "rstatus" {
				typ = expHTTPStatusRegex
			}
			pattern, err = needArg("a <pattern>")
		case "hdr", "fhdr":
			if !http {
				return nil, badKw(w)
			}
			if err = onePattern(); err != nil {
				return nil, err
			}
			typ = expHTTPHeader
			e.hdr.full = w == "fhdr"
			if n, err := parseHdrPattern(args, &i, w, &e.hdr, &npat, &vpat, &hflags.nameLF, &hflags.valueLF); err != nil {
				return nil, err
			} else {
				i = n
			}
		case "custom":
			return nil, fmt.Errorf("'custom' is reserved to haproxy's protocol checks")
		case "comment":
			if err = notInPattern(); err != nil {
				return nil, err
			}
			r.comment, err = needArg("a string")
		case "on-success":
			if err = notInPattern(); err != nil {
				return nil, err
			}
			onSuccess, err = needArg("a string")
			hasOnSuccess = true
		case "on-error":
			if err = notInPattern(); err != nil {
				return nil, err
			}
			onError, err = needArg("a string")
			hasOnError = true
		case "ok-status":
			if err = notInPattern(); err != nil {
				return nil, err
			}
			var v string
			if v, err = needArg("a string"); err != nil {
				return nil, err
			}
			e.okStatus, err = parseStatus(w, v, []Status{StatusL7OK, StatusL7OKCond, StatusL6OK, StatusL4OK}, "'L4OK', 'L6OK', 'L7OK' or 'L7OKC'")
		case "error-status":
			if err = notInPattern(); err != nil {
				return nil, err
			}
			var v string
			if v, err = needArg("a string"); err != nil {
				return nil, err
			}
			e.errStatus, err = parseStatus(w, v, []Status{StatusL7Resp, StatusL7Status, StatusL7OKCond, StatusL6Resp, StatusL4Conn}, "'L4CON', 'L6RSP', 'L7RSP' or 'L7STS'")
		case "tout-status":
			if err = notInPattern(); err != nil {
				return nil, err
			}
			var v string
			if v, err = needArg("a string"); err != nil {
				return nil, err
			}
			e.toutStatus, err = parseStatus(w, v, []Status{StatusL7Timeout, StatusL6Timeout, StatusL4Timeout}, "'L4TOUT', 'L6TOUT' or 'L7TOUT'")
		case "status-code":
			if err = notInPattern(); err != nil {
				return nil, err
			}
			statusExpr, err = needArg("an expression")
		default:
			return nil, badKw(w)
		}
		if err != nil {
			return nil, err
		}
	}
	if statusExpr != "" {
		f, err := parseStatusCode(statusExpr, le)
		if err != nil {
			return nil, err
		}
		e.statusCode = f
	}
	if hasOnSuccess {
		lf, err := parseLF(onSuccess, le)
		if err != nil {
			return nil, fmt.Errorf("'%s' invalid log-format string (%v).", onSuccess, err)
		}
		e.onSuccess = lfMsg(lf)
	}
	if hasOnError {
		lf, err := parseLF(onError, le)
		if err != nil {
			return nil, fmt.Errorf("'%s' invalid log-format string (%v).", onError, err)
		}
		e.onError = lfMsg(lf)
	}
	e.typ = typ
	var err error
	switch typ {
	case 0:
		return nil, fmt.Errorf("pattern not found")
	case expHTTPStatus:
		e.codes, err = parseCodes(pattern)
	case expString, expHTTPBody:
		e.data = []byte(pattern)
	case expBinary:
		if e.data, err = parseHex(pattern); err != nil {
			err = fmt.Errorf("invalid binary string (%v)", err)
		}
	case expRegex, expBinaryRegex, expHTTPStatusRegex, expHTTPBodyRegex:
		e.re, err = sample.CompileRegex(pattern, false)
	case expStringLF, expBinaryLF, expHTTPBodyLF:
		if e.lf, err = parseLF(pattern, le); err != nil {
			err = fmt.Errorf("'%s' invalid log-format string (%v).", pattern, err)
		}
	case expHTTPHeader:
		err = compileHdrMatch(&e.hdr, npat, vpat, hflags.nameLF, hflags.valueLF, le)
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// parseStatusCode compiles the expression of status-code: evaluated on
// the response when the expect rule decides, as a string then an integer
// (haproxy's sample_fetch_as_type then its string to integer cast), it
// sets the check's code.
func parseStatusCode(src string, le *lfEnv) (func(x *run) (int, bool), error) {
	wrap := func(err error) error {
		return fmt.Errorf("error detected while parsing status-code expression : %v", err)
	}
	kw := fetchKeyword(src)
	need, notYet := refusal(kw)
	switch {
	case need != "":
		return nil, wrap(fmt.Errorf(" fetch method '%s' extracts information from '%s', none of which is available here", src, need))
	case notYet || identity[kw] != "":
		return nil, wrap(notYetError(kw))
	}
	var env *sample.Env
	if le != nil {
		env = le.env
	}
	e, err := sample.ParseExpr(env, src)
	if err != nil {
		return nil, wrap(err)
	}
	if err := e.Check(checkAvail); err != nil {
		return nil, wrap(err)
	}
	return func(x *run) (int, bool) {
		c := x.samples(true)
		defer func() { c.Scratch = c.Scratch[:0] }()
		v, ok := e.Eval(c)
		if !ok {
			return 0, false
		}
		if v, ok = sample.Cast(c, v, sample.TypeStr); !ok {
			return 0, false
		}
		if v, ok = sample.Cast(c, v, sample.TypeInt); !ok {
			return 0, false
		}
		return int(v.Int), true
	}, nil
}

// parseHdrPattern reads "name[-lf] [-m meth] <name> [value[-lf] [-m meth]
// <value>]" after args[*i] ("hdr" or "fhdr") and returns the index of the
// last word it used.
func parseHdrPattern(args []string, ip *int, kw string, h *hdrMatch, npat, vpat *string, nameLF, valueLF *bool) (int, error) {
	i := *ip
	if argAt(args, i+1) == "" || argAt(args, i+2) == "" ||
		(args[i+1] != "name" && args[i+1] != "name-lf") {
		return 0, fmt.Errorf("'%s' expects at the name keyword as first argument followed by a pattern", kw)
	}
	*nameLF = args[i+1] == "name-lf"
	i += 2
	meth := func(lf bool) (matchMeth, error) {
		m := argAt(args, i+1)
		if m == "" {
			return 0, fmt.Errorf("'%s' : '%s' expects at a matching pattern ('str', 'beg', 'end', 'sub' or 'reg')", kw, args[i])
		}
		switch m {
		case "str":
			return matchStr, nil
		case "beg":
			return matchBeg, nil
		case "end":
			return matchEnd, nil
		case "sub":
			return matchSub, nil
		case "reg":
			if lf {
				return 0, fmt.Errorf("'%s': log-format string is not supported with a regex matching method", kw)
			}
			return matchReg, nil
		}
		return 0, fmt.Errorf("'%s' : '%s' only supports 'str', 'beg', 'end', 'sub' or 'reg' (got '%s')", kw, args[i], m)
	}
	if args[i] == "-m" {
		m, err := meth(*nameLF)
		if err != nil {
			return 0, err
		}
		h.nameMeth = m
		i += 2
	}
	*npat = argAt(args, i)
	if *npat == "" {
		return 0, fmt.Errorf("'%s' expects at the name keyword as first argument followed by a pattern", kw)
	}
	next := argAt(args, i+1)
	if next != "value" && next != "value-lf" {
		h.noValue = true
		return i, nil
	}
	*valueLF = next == "value-lf"
	if argAt(args, i+2) == "-m" {
		i += 2
		m, err := meth(*valueLF)
		if err != nil {
			return 0, err
		}
		h.valueMeth = m
	}
	if argAt(args, i+2) == "" {
		return 0, fmt.Errorf("'%s' expect a pattern with the value keyword", kw)
	}
	*vpat = args[i+2]
	return i + 2, nil
}

func compileHdrMatch(h *hdrMatch, npat, vpat string, nameLF, valueLF bool, le *lfEnv) error {
	var err error
	switch {
	case h.nameMeth == matchReg:
		// Header names are matched without case, as haproxy compiles
		// their regex.
		h.nameRE, err = sample.CompileRegex(npat, true)
	case nameLF:
		if h.nameLF, err = parseLF(npat, le); err != nil {
			err = fmt.Errorf("'%s' invalid log-format string (%v).", npat, err)
		}
	default:
		h.name = npat
	}
	if err != nil || h.noValue {
		return err
	}
	switch {
	case h.valueMeth == matchReg:
		h.valueRE, err = sample.CompileRegex(vpat, false)
	case valueLF:
		if h.valueLF, err = parseLF(vpat, le); err != nil {
			err = fmt.Errorf("'%s' invalid log-format string (%v).", vpat, err)
		}
	default:
		h.value = vpat
	}
	return err
}

// parseCodes reads "200", "200-399" or a comma-separated list of both,
// as haproxy: digits are read with read_uint, so "abc" is code 0 followed
// by an invalid character.
func parseCodes(p string) ([][2]int, error) {
	var codes [][2]int
	s := p
	for {
		c1, n := readUint(s)
		s = s[n:]
		c2 := c1
		if s != "" && s[0] == '-' {
			c2, n = readUint(s[1:])
			s = s[1+n:]
		}
		if c1 > c2 {
			return nil, fmt.Errorf("invalid range of status codes '%s'", p)
		}
		codes = append(codes, [2]int{int(c1), int(c2)})
		if s == "" {
			return codes, nil
		}
		if s[0] != ',' {
			return nil, fmt.Errorf("invalid character '%c' in the list of status codes", s[0])
		}
		s = s[1:]
	}
}

// itoa is strconv.Itoa, short.
func itoa(n int) string { return strconv.Itoa(n) }
