package check

import (
	"bytes"
	"encoding/binary"
	"regexp"
	"strconv"
	"time"
)

// The protocol checks (option redis-check, smtpchk…) are predefined rule
// lists in haproxy 2.6. They are built here with the same steps (so that
// "at step N" messages agree), the same bytes on the wire and the same
// descriptions; what haproxy expresses with log-format strings and sample
// fetches over the response ("%[res.payload(4,0),ltrim(' '),cut_crlf]") is
// written out in Go.

// mustRE compiles the predefined rules' regexes.
func mustRE(s string) *regexp.Regexp { return regexp.MustCompile(s) }

var (
	reSMTPGreeting = mustRE("^[0-9]{3}[ \r]")
	reSMTPOK       = mustRE("^2[0-9]{2}[ \r]")
	reSMTPEHLO     = mustRE("^(2[0-9]{2}-[^\r]*\r\n)*2[0-9]{2}[ \r]")
	reSMTPQuit     = mustRE("^2[0-9]{2}[- \r]")
	rePgSQLError   = mustRE("^E")
	rePgSQLAuth    = mustRE("^52000000[A-Z0-9]{2}000000(00|02|03|04|05|06|07|09|0A)")
	reLDAP         = mustRE("^30")
	reSSLHello     = mustRE("^1[56]")
)

func expectRuleOf(index int, e expectRule) *rule {
	if e.minRecv == 0 {
		e.minRecv = -1
	}
	return &rule{act: actExpect, index: index, expect: e}
}

func sendRuleOf(index int, data []byte) *rule {
	return &rule{act: actSend, index: index, send: sendRule{kind: sendString, data: data}}
}

// connectLinger is "tcp-check connect default linger", which the database
// and mail checks start with.
func connectLinger() *rule {
	return &rule{act: actConnect, connect: connectRule{def: true, linger: true}}
}

func constMsg(s string) func(*run) string { return func(*run) string { return s } }

// payload is res.payload(off,0): the response from off on (empty when
// shorter).
func (x *run) payload(off int) []byte {
	if off > len(x.buf) {
		return nil
	}
	return x.buf[off:]
}

// cutCRLF is the cut_crlf converter: up to the first CR or LF.
func cutCRLF(b []byte) []byte {
	if i := bytes.IndexAny(b, "\r\n"); i >= 0 {
		return b[:i]
	}
	return b
}

// smtpText is %[res.payload(4,0),ltrim(' '),cut_crlf]: the text of a reply
// line after its code.
func smtpText(x *run) string {
	return string(cutCRLF(bytes.TrimLeft(x.payload(4), " ")))
}

// smtpCode is status-code res.payload(0,3): the reply's code.
func smtpCode(x *run) (int, bool) {
	if len(x.buf) < 3 {
		return 0, false
	}
	return leadingInt(x.buf[:3])
}

// leadingInt converts a string sample to an integer as haproxy's cast
// does: an optional sign and the digits that follow.
func leadingInt(b []byte) (int, bool) {
	s := string(b)
	end := 0
	if end < len(s) && (s[end] == '-' || s[end] == '+') {
		end++
	}
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(s[:end])
	return n, err == nil
}

func builtinRules(p proto, v presetVars) []*rule {
	switch p {
	case protoRedis:
		return []*rule{
			sendRuleOf(0, []byte("*1\r\n$4\r\nPING\r\n")),
			expectRuleOf(1, expectRule{typ: expString, data: []byte("+PONG\r\n"),
				errStatus: StatusL7Status,
				onError:   func(x *run) string { return string(cutCRLF(x.buf)) },
				onSuccess: constMsg("Redis server is ok")}),
		}
	case protoSSLHello:
		return []*rule{
			{act: actSend, send: sendRule{kind: sendBinaryLF, gen: func(*Target) []byte { return sslHello(time.Now()) }}},
			expectRuleOf(1, expectRule{typ: expBinaryRegex, re: reSSLHello, minRecv: 5,
				okStatus: StatusL6OK, errStatus: StatusL6Resp, toutStatus: StatusL6Timeout}),
		}
	case protoSMTP:
		return []*rule{
			connectLinger(),
			expectRuleOf(1, expectRule{typ: expRegex, re: reSMTPGreeting, minRecv: 4,
				errStatus: StatusL7Resp,
				onError:   func(x *run) string { return string(cutCRLF(x.buf)) }}),
			expectRuleOf(2, expectRule{typ: expRegex, re: reSMTPOK, minRecv: 4,
				errStatus: StatusL7Status, onError: smtpText, statusCode: smtpCode}),
			sendRuleOf(3, []byte(v.smtpCmd+"\r\n")),
			expectRuleOf(4, expectRule{typ: expRegex, re: reSMTPEHLO,
				errStatus: StatusL7Status, onError: smtpText, onSuccess: smtpText, statusCode: smtpCode}),
			sendRuleOf(5, []byte("QUIT\r\n")),
			expectRuleOf(6, expectRule{typ: expRegex, re: reSMTPQuit, minRecv: 4,
				errStatus: StatusL7Status, onError: smtpText, onSuccess: smtpText, statusCode: smtpCode}),
		}
	case protoPgSQL:
		return []*rule{
			connectLinger(),
			{act: actSend, index: 1, send: sendRule{kind: sendBinary, data: pgsqlStartup(v.pgsqlUser)}},
			expectRuleOf(2, expectRule{typ: expRegex, re: rePgSQLError, inverse: true, minRecv: 5,
				errStatus: StatusL7Resp,
				onError:   func(x *run) string { return string(x.payload(6)) }}),
			expectRuleOf(3, expectRule{typ: expBinaryRegex, re: rePgSQLAuth, minRecv: 9,
				errStatus: StatusL7Status,
				onSuccess: constMsg("PostgreSQL server is ok"),
				onError:   constMsg("PostgreSQL unknown error")}),
		}
	case protoMySQL:
		if v.mysqlUser == "" {
			return []*rule{
				connectLinger(),
				expectRuleOf(1, expectRule{typ: expCustom, custom: mysqlHandshake}),
			}
		}
		return []*rule{
			connectLinger(),
			{act: actSend, index: 1, send: sendRule{kind: sendBinary, data: mysqlAuth(v.mysqlUser, v.mysql41)}},
			expectRuleOf(2, expectRule{typ: expCustom, custom: mysqlHandshake}),
			expectRuleOf(3, expectRule{typ: expCustom, custom: mysqlOK}),
		}
	case protoLDAP:
		return []*rule{
			sendRuleOf(0, []byte{0x30, 0x0c, 0x02, 0x01, 0x01, 0x60, 0x07, 0x02, 0x01, 0x03, 0x04, 0x00, 0x80, 0x00}),
			expectRuleOf(1, expectRule{typ: expBinaryRegex, re: reLDAP, minRecv: 14,
				onError: constMsg("Not LDAPv3 protocol")}),
			expectRuleOf(2, expectRule{typ: expCustom, custom: ldapBindResponse}),
		}
	case protoSPOP:
		return []*rule{
			{act: actSend, send: sendRule{kind: sendBinary, data: spopRequest}},
			expectRuleOf(1, expectRule{typ: expCustom, custom: spopAgentHelloExpect, minRecv: 4}),
		}
	}
	return nil
}

// sslHello is the SSLv3 CLIENT HELLO of option ssl-hello-chk: enough for a
// server speaking SSL or TLS to answer with a handshake or an alert record.
func sslHello(now time.Time) []byte {
	b := []byte{
		0x16,       // handshake record
		0x03, 0x00, // SSLv3
		0x00, 0x79, // record length
		0x01,             // client hello
		0x00, 0x00, 0x75, // handshake length
		0x03, 0x00, // client version SSLv3
	}
	b = binary.BigEndian.AppendUint32(b, uint32(now.Unix()))
	b = append(b, "HAPROXYSSLCHK\nHAPROXYSSLCHK\n"...) // 28 random bytes
	b = append(b, 0x00)                                // no session id
	b = append(b, 0x00, 0x4e)                          // 39 cipher suites
	for c := 0x01; c <= 0x1b; c++ {
		b = append(b, 0x00, byte(c))
	}
	for c := 0x2f; c <= 0x3a; c++ {
		b = append(b, 0x00, byte(c))
	}
	return append(b, 0x01, 0x00) // one compression method: none
}

// pgsqlStartup is the StartupMessage of option pgsql-check: protocol 3.0
// and the user.
func pgsqlStartup(user string) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(15+len(user)))
	b = append(b, 0x00, 0x03, 0x00, 0x00)
	b = append(b, "user\x00"...)
	b = append(b, user...)
	return append(b, 0x00, 0x00)
}

// mysqlAuth is option mysql-check's client authentication packet (4.1 or
// older format) followed by COM_QUIT, sent right after connecting.
func mysqlAuth(user string, v41 bool) []byte {
	n := len(user) + 7
	if v41 {
		n += 27
	}
	b := []byte{byte(n), byte(n >> 8), byte(n >> 16), 1}
	if v41 {
		b = append(b, 0x00, 0x82, 0x00, 0x00) // client capabilities
		b = append(b, 0x00, 0x80, 0x00, 0x01) // max packet
		b = append(b, 0x21)                   // character set: utf8
		b = append(b, make([]byte, 23)...)
	} else {
		b = append(b, 0x00, 0x80)       // client capabilities
		b = append(b, 0x00, 0x00, 0x01) // max packet
	}
	b = append(b, user...)
	b = append(b, 0x00, 0x00)                      // end of user, filler
	return append(b, 0x01, 0x00, 0x00, 0x00, 0x01) // COM_QUIT
}

// cString is what haproxy copies from a buffer into a description: up to
// the first NUL.
func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// mysqlPacket checks the MySQL packet at offset off: an error packet
// fails the check with its code and message; a complete one passes, and
// when it is the last rule the server's version (from the handshake)
// becomes the description.
func mysqlPacket(x *run, r *rule, off int, lastRead bool) evalRet {
	buf := x.buf
	if len(buf) < off+4 {
		if !lastRead {
			return evalWait
		}
		return x.expectFail(r, StatusL7Resp, false, "")
	}
	plen := int(buf[off]) | int(buf[off+1])<<8 | int(buf[off+2])<<16
	if len(buf) < off+plen+4 {
		if !lastRead {
			return evalWait
		}
		return x.expectFail(r, StatusL7Resp, false, "")
	}
	if buf[off+4] == 0xff {
		at := func(i int) int {
			if i < len(buf) {
				return int(buf[i])
			}
			return 0
		}
		x.code = at(off+5) | at(off+6)<<8
		var msg []byte
		if off+7 < len(buf) {
			msg = buf[off+7:]
		}
		return x.expectFail(r, StatusL7Status, false, cString(msg))
	}
	if x.nextRule(r) {
		return evalContinue
	}
	st := r.expect.okStatus
	if st == StatusUnknown {
		st = StatusL7OK
	}
	// haproxy sets the result here, then once more when the rules end,
	// without the version (Result.Twice).
	x.passed(st, cString(x.payload(5)))
	return evalContinue
}

func mysqlHandshake(x *run, r *rule, lastRead bool) evalRet {
	return mysqlPacket(x, r, 0, lastRead)
}

func mysqlOK(x *run, r *rule, lastRead bool) evalRet {
	hs := 4
	if len(x.buf) >= 3 {
		hs += int(x.buf[0]) | int(x.buf[1])<<8 | int(x.buf[2])<<16
	}
	return mysqlPacket(x, r, hs, lastRead)
}

// ldapBindResponse checks an LDAPv3 BindResponse: messageID 1, then the
// result code, 0 for success.
func ldapBindResponse(x *run, r *rule, lastRead bool) evalRet {
	buf := x.buf
	at := func(i int) byte {
		if i < len(buf) {
			return buf[i]
		}
		return 0
	}
	notLDAP := func() evalRet { return x.expectFail(r, StatusL7Resp, false, "Not LDAPv3 protocol") }
	tooShort := func() evalRet {
		if !lastRead {
			return evalWait
		}
		return x.expectFail(r, StatusL7Resp, false, "")
	}
	p := 1
	nbytes := 0
	var msglen int
	if at(p)&0x80 != 0 {
		// Lengths on several bytes: only 2 and 4 (Active Directory)
		// are understood, as in haproxy.
		nbytes = int(at(p) & 0x7f)
		if len(buf) < 1+nbytes {
			return tooShort()
		}
		switch nbytes {
		case 4:
			msglen = int(at(p+1))<<24 | int(at(p+2))<<16 | int(at(p+3))<<8 | int(at(p+4))
		case 2:
			msglen = int(at(p+1))<<8 | int(at(p+2))
		default:
			return notLDAP()
		}
	} else {
		msglen = int(at(p))
	}
	p += 1 + nbytes
	if len(buf) < 2+nbytes+msglen {
		return tooShort()
	}
	if at(p) != 0x02 || at(p+1) != 0x01 || at(p+2) != 0x01 || at(p+3) != 0x61 {
		return notLDAP()
	}
	p += 4
	nbytes = 0
	if at(p)&0x80 != 0 {
		nbytes = int(at(p) & 0x7f)
	}
	p += 1 + nbytes
	if at(p) != 0x0a || at(p+1) != 0x01 {
		return notLDAP()
	}
	p += 2
	x.code = int(at(p))
	if x.code != 0 {
		return x.expectFail(r, StatusL7Status, false, "See RFC: http://tools.ietf.org/html/rfc4511#section-4.1.9")
	}
	st := r.expect.okStatus
	if st == StatusUnknown {
		st = StatusL7OK
	}
	x.passed(st, "Success")
	return evalContinue
}
