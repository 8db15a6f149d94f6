package check

import (
	"fmt"
	"strings"
)

var protoNames = [...]string{protoNone: "connect", protoTCP: "tcp-check", protoHTTP: "httpchk",
	protoRedis: "redis-check", protoSSLHello: "ssl-hello-chk", protoSMTP: "smtpchk",
	protoPgSQL: "pgsql-check", protoMySQL: "mysql-check", protoLDAP: "ldap-check", protoSPOP: "spop-check",
	protoAgent: "agent-check"}

var expectNames = [...]string{expString: "string", expBinary: "binary", expRegex: "rstring",
	expBinaryRegex: "rbinary", expStringLF: "string-lf", expBinaryLF: "binary-lf", expCustom: "custom",
	expHTTPStatus: "status", expHTTPStatusRegex: "rstatus", expHTTPHeader: "hdr", expHTTPBody: "string",
	expHTTPBodyRegex: "rstring", expHTTPBodyLF: "string-lf"}

// String describes the compiled rules, one step after the other, for
// logs, debugging and tests: "httpchk: connect implicit; send OPTIONS /
// HTTP/1.0; expect status 200-399".
func (rs *Ruleset) String() string {
	var b strings.Builder
	b.WriteString(protoNames[rs.proto])
	if rs.disable404 {
		b.WriteString(" disable-on-404")
	}
	if rs.sendState {
		b.WriteString(" send-state")
	}
	b.WriteString(":")
	for i, r := range rs.rules {
		if i > 0 {
			b.WriteString(";")
		}
		b.WriteString(" ")
		b.WriteString(r.String())
	}
	return b.String()
}

func (r *rule) String() string {
	var b strings.Builder
	switch r.act {
	case actConnect:
		c := &r.connect
		b.WriteString("connect")
		if c.implicit {
			b.WriteString(" implicit")
		} else if c.def {
			b.WriteString(" default")
		}
		if c.addr.IsValid() {
			fmt.Fprintf(&b, " addr %s", c.addr)
			if c.addrPort != 0 {
				fmt.Fprintf(&b, ":%d", c.addrPort)
			}
		}
		if c.port != 0 {
			fmt.Fprintf(&b, " port %d", c.port)
		}
		if c.sendProxy {
			b.WriteString(" send-proxy")
		}
		if c.viaSocks4 {
			b.WriteString(" via-socks4")
		}
		if c.linger {
			b.WriteString(" linger")
		}
		if c.ssl {
			b.WriteString(" ssl")
		}
		if c.sni != "" {
			fmt.Fprintf(&b, " sni %s", c.sni)
		}
		if c.alpn != nil {
			fmt.Fprintf(&b, " alpn %s", strings.Join(c.alpn, ","))
		}
	case actSend:
		s := &r.send
		switch {
		case s.http != nil:
			h := s.http
			meth, uri, vsn := h.meth, h.uri, h.vsn
			if meth == "" {
				meth = "OPTIONS"
			}
			if h.uriLF != nil {
				uri = "<log-format>"
			} else if uri == "" {
				uri = "/"
			}
			if vsn == "" {
				vsn = "HTTP/1.0"
			}
			fmt.Fprintf(&b, "send %s %s %s", meth, uri, vsn)
			for _, hd := range h.hdrs {
				fmt.Fprintf(&b, " hdr %s %q", hd.name, hd.value.src)
			}
			if h.bodyLF != nil {
				b.WriteString(" body <log-format>")
			} else if h.hasBody {
				fmt.Fprintf(&b, " body %q", h.body)
			}
		case s.gen != nil:
			b.WriteString("send <generated>")
		case s.lf != nil:
			fmt.Fprintf(&b, "send-lf %q", s.lf.src)
		default:
			fmt.Fprintf(&b, "send %q", s.data)
		}
	case actVar:
		b.WriteString(r.vars.word)
		if !r.vars.unset {
			fmt.Fprintf(&b, " %q", r.vars.src)
		}
	case actExpect:
		e := &r.expect
		b.WriteString("expect ")
		if e.minRecv >= 0 {
			fmt.Fprintf(&b, "min-recv %d ", e.minRecv)
		}
		if e.inverse {
			b.WriteString("! ")
		}
		kw := expectNames[e.typ]
		if e.typ == expHTTPHeader && e.hdr.full {
			kw = "fhdr"
		}
		b.WriteString(kw)
		switch e.typ {
		case expString, expHTTPBody:
			fmt.Fprintf(&b, " %q", e.data)
		case expBinary:
			fmt.Fprintf(&b, " %X", e.data)
		case expRegex, expBinaryRegex, expHTTPStatusRegex, expHTTPBodyRegex:
			fmt.Fprintf(&b, " %q", e.re.String())
		case expHTTPStatus:
			for i, c := range e.codes {
				sep := ","
				if i == 0 {
					sep = " "
				}
				if c[0] == c[1] {
					fmt.Fprintf(&b, "%s%d", sep, c[0])
				} else {
					fmt.Fprintf(&b, "%s%d-%d", sep, c[0], c[1])
				}
			}
		case expHTTPHeader:
			name := e.hdr.name
			if e.hdr.nameRE != nil {
				name = e.hdr.nameRE.String()
			}
			fmt.Fprintf(&b, " name %q", name)
			if !e.hdr.noValue {
				v := e.hdr.value
				if e.hdr.valueRE != nil {
					v = e.hdr.valueRE.String()
				}
				fmt.Fprintf(&b, " value %q", v)
			}
		}
		for _, st := range []struct {
			name string
			s    Status
		}{{"ok-status", e.okStatus}, {"error-status", e.errStatus}, {"tout-status", e.toutStatus}} {
			if st.s != StatusUnknown {
				fmt.Fprintf(&b, " %s %s", st.name, st.s)
			}
		}
	}
	if r.comment != "" {
		fmt.Fprintf(&b, " comment %q", r.comment)
	}
	return b.String()
}
