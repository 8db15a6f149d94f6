package sample

import (
	"crypto/tls"
	"encoding/binary"
	"strings"
	"testing"

	"switchyard/internal/testhello"
)

// goClientHello is the ClientHello crypto/tls sends with cfg.
var goClientHello = testhello.ClientHello

// helloMsg builds a ClientHello record by hand, for what crypto/tls does
// not send: malformed lengths, odd versions, chosen extensions.
type helloMsg struct {
	recVer, cliVer uint16 // default 0x0301 and 0x0303
	sid            int
	ciphers, comps int // counts, default 1 each
	exts           []byte
	extsLen        int // the list's declared length; -1: len(exts)
	noExts         bool
}

func (h helloMsg) bytes() []byte {
	recVer, cliVer := cmpOr16(h.recVer, 0x0301), cmpOr16(h.cliVer, 0x0303)
	body := binary.BigEndian.AppendUint16(nil, cliVer)
	body = append(body, make([]byte, 32)...) // random
	body = append(body, byte(h.sid))
	body = append(body, make([]byte, h.sid)...)
	nc := max(h.ciphers, 1)
	body = binary.BigEndian.AppendUint16(body, uint16(2*nc))
	for i := 0; i < nc; i++ {
		body = append(body, 0x13, 0x01)
	}
	nm := max(h.comps, 1)
	body = append(body, byte(nm))
	body = append(body, make([]byte, nm)...)
	if !h.noExts {
		n := len(h.exts)
		if h.extsLen != 0 {
			n = h.extsLen
		}
		body = binary.BigEndian.AppendUint16(body, uint16(n))
		body = append(body, h.exts...)
	}
	msg := []byte{1, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}
	msg = append(msg, body...)
	rec := []byte{0x16, byte(recVer >> 8), byte(recVer)}
	rec = binary.BigEndian.AppendUint16(rec, uint16(len(msg)))
	return append(rec, msg...)
}

func cmpOr16(v, def uint16) uint16 {
	if v == 0 {
		return def
	}
	return v
}

// ext is one extension: type, length, body.
func ext(typ uint16, body string) []byte {
	b := binary.BigEndian.AppendUint16(nil, typ)
	b = binary.BigEndian.AppendUint16(b, uint16(len(body)))
	return append(b, body...)
}

// sniExt is a server_name extension holding one entry of type kind.
func sniExt(kind byte, name string) []byte {
	entry := string([]byte{kind, byte(len(name) >> 8), byte(len(name))}) + name
	return ext(extServerName, string([]byte{byte(len(entry) >> 8), byte(len(entry))})+entry)
}

// alpnExt is an ALPN extension offering protos.
func alpnExt(protos ...string) []byte {
	var list []byte
	for _, p := range protos {
		list = append(list, byte(len(p)))
		list = append(list, p...)
	}
	return ext(extALPN, string([]byte{byte(len(list) >> 8), byte(len(list))})+string(list))
}

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// sslv2Hello is an SSLv2-compatible CLIENT-HELLO (RFC 2246 appendix E) for
// version ver, with a two-byte header, or a three-byte one with padding.
func sslv2Hello(ver uint16, pad int) []byte {
	body := []byte{1, byte(ver >> 8), byte(ver), 0, 6, 0, 0, 0, 16}
	body = append(body, 0x00, 0x00, 0x2f, 0x00, 0x00, 0x35) // two cipher specs
	body = append(body, "0123456789abcdef"...)              // challenge
	n := len(body)
	if pad == 0 {
		return append([]byte{0x80 | byte(n>>8), byte(n)}, body...)
	}
	h := []byte{0x3f & byte(n>>8), byte(n), byte(pad)}
	return append(append(h, body...), make([]byte, pad)...)
}

// evalL6 evaluates expr on data received so far in the request (or the
// response) and renders it.
func evalL6(t *testing.T, expr string, data []byte, final, res bool) string {
	t.Helper()
	e, err := ParseExpr(nil, expr)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	c := &Ctx{L6: &Payload{Req: data, Final: final}}
	if res {
		c.L6 = &Payload{Res: data, Final: final}
	}
	return text(e.Eval(c))
}

// A ClientHello from crypto/tls, with SNI and ALPN: every fetch's value.
func TestHelloFetchesGoClient(t *testing.T) {
	// A session cache makes crypto/tls offer session tickets.
	full := goClientHello(t, &tls.Config{ServerName: "a.example", NextProtos: []string{"h2", "http/1.1"}, InsecureSkipVerify: true,
		ClientSessionCache: tls.NewLRUClientSessionCache(1)})
	tls10 := goClientHello(t, &tls.Config{ServerName: "b.example", MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10, InsecureSkipVerify: true})
	bare := goClientHello(t, &tls.Config{InsecureSkipVerify: true, SessionTicketsDisabled: true})
	tests := []struct {
		expr string
		data []byte
		want string
	}{
		{"req.ssl_hello_type", full, "1"},
		{"req_ssl_hello_type", full, "1"},
		{"req.ssl_sni", full, "a.example"},
		{"req_ssl_sni", full, "a.example"},
		{"req.ssl_sni,upper", full, "A.EXAMPLE"},
		{"req.ssl_alpn", full, "h2"},    // the first, the client's preference
		{"req.ssl_ver", full, "196611"}, // 3.3: client_version, not the record's 3.1
		{"req_ssl_ver", full, "196611"},
		{"req.ssl_st_ext", full, "1"}, // offered, no ticket yet
		{"req.ssl_ec_ext", full, "1"},
		{"res.ssl_hello_type", full, "<none>"}, // nothing received from the server
		{"req.ssl_ver", tls10, "196609"},
		{"req.ssl_sni", tls10, "b.example"},
		{"req.ssl_sni", bare, "<none>"},
		{"req.ssl_alpn", bare, "<none>"},
		{"req.ssl_st_ext", bare, "0"},
		{"req.ssl_hello_type", bare, "1"},
	}
	for _, tt := range tests {
		if got := evalL6(t, tt.expr, tt.data, false, false); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.expr, got, tt.want)
		}
	}
	for _, kw := range []string{"res.ssl_hello_type", "rep_ssl_hello_type"} {
		if got := evalL6(t, kw, full, false, true); got != "1" {
			t.Errorf("%s on the response = %q, want 1", kw, got)
		}
	}
}

// Until the ClientHello is whole, a condition on it waits (Miss), and
// fails once no more bytes will come; the SNI is read as soon as as many
// bytes as the message's length follow the record header, 4 before its
// end, as haproxy does.
func TestHelloWaitsForWholeMessage(t *testing.T) {
	hello := goClientHello(t, &tls.Config{ServerName: "a.example", NextProtos: []string{"h2", "http/1.1"}, InsecureSkipVerify: true,
		ClientSessionCache: tls.NewLRUClientSessionCache(1)})
	acls := NewACLSet(nil)
	conds := map[string]string{
		"type": "if { req.ssl_hello_type 1 }",
		"sni":  "if { req.ssl_sni -i A.example }",
		"alpn": "if { req.ssl_alpn http/1.1 }", // the second name: an ACL tries each
		"ver":  "if { req.ssl_ver 3.3 }",
		"ext":  "if { req.ssl_st_ext 1 } { req.ssl_ec_ext }",
	}
	parsed := map[string]*Cond{}
	for k, s := range conds {
		c, err := ParseCond(strings.Fields(s), acls)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		parsed[k] = c
	}
	for n := 0; n <= len(hello); n++ {
		for k, c := range parsed {
			want := Miss
			if n == len(hello) {
				want = Pass
			} else if k != "type" && k != "ver" && n >= len(hello)-4 {
				continue // Pass, or Miss when the extension is in the last bytes
			}
			if got := c.Test(&Ctx{L6: &Payload{Req: hello[:n]}}); got != want {
				t.Fatalf("%s on %d of %d bytes = %d, want %d", conds[k], n, len(hello), got, want)
			}
			want = Fail
			if n == len(hello) {
				want = Pass
			}
			if got := c.Test(&Ctx{L6: &Payload{Req: hello[:n], Final: true}}); got != want {
				t.Fatalf("%s on %d of %d bytes, final = %d, want %d", conds[k], n, len(hello), got, want)
			}
		}
	}
	for _, s := range []string{"if { req.ssl_alpn h3 }", "if { req.ssl_sni b.example }", "if { req.ssl_ver 3.1 }"} {
		c, err := ParseCond(strings.Fields(s), acls)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Test(&Ctx{L6: &Payload{Req: hello}}); got != Fail {
			t.Errorf("%s = %d, want Fail", s, got)
		}
	}
}

// What is not a ClientHello fails at once, without waiting, and each
// fetch checks what haproxy checks, walking the extensions only as far as
// it needs.
func TestHelloFetchesHandMade(t *testing.T) {
	sni := sniExt(0, "a.example")
	alpn := alpnExt("h2", "", "http/1.1")
	good := helloMsg{exts: cat(sni, alpn, ext(extSupportedEC, "\x00\x02\x00\x1d"), ext(extSessionTicket, "ticket"))}.bytes()
	serverHello := cat([]byte{0x16, 3, 3, 0, 42, 2, 0, 0, 38, 3, 3}, make([]byte, 32), []byte{0, 0x13, 0x01, 0})
	all := []string{"req.ssl_hello_type", "req.ssl_ver", "req.ssl_sni", "req.ssl_alpn", "req.ssl_st_ext", "req.ssl_ec_ext"}
	tests := []struct {
		name string
		data []byte
		want string // the values of all, joined with "|"
	}{
		{"good", good, "1|196611|a.example|h2|2|1"},
		{"http", []byte("GET / HTTP/1.1\r\nhost: a\r\n\r\n"), "<none>|<none>|<none>|<none>|<none>|<none>"},
		{"ssh", []byte("SSH-2.0-OpenSSH_9.2\r\n"), "<none>|<none>|<none>|<none>|<none>|<none>"},
		// An SSLv2 hello: only its version is read.
		{"sslv2", sslv2Hello(0x0301, 0), "<none>|196609|<none>|<none>|<none>|<none>"},
		{"sslv2-padded", sslv2Hello(0x0002, 3), "<none>|2|<none>|<none>|<none>|<none>"},
		// A ServerHello (type 2): a handshake, not a ClientHello.
		// req.ssl_ver reads its version too.
		{"server-hello", serverHello, "2|196611|<none>|<none>|<none>|<none>"},
		// SSLv3 client: the fetches of extensions want TLS 1.0 at least.
		{"ssl3", helloMsg{cliVer: 0x0300, exts: sni}.bytes(), "1|196608|<none>|<none>|<none>|<none>"},
		{"record-ssl2", helloMsg{recVer: 0x0200, exts: sni}.bytes(), "<none>|<none>|<none>|<none>|<none>|<none>"},
		{"session-id-33", helloMsg{sid: 33, exts: sni}.bytes(), "1|196611|<none>|<none>|<none>|<none>"},
		{"session-id-32", helloMsg{sid: 32, exts: sni}.bytes(), "1|196611|a.example|<none>|0|<none>"},
		{"no-extensions", helloMsg{noExts: true, ciphers: 8}.bytes(), "1|196611|<none>|<none>|<none>|<none>"},
		{"list-too-long", helloMsg{exts: sni, extsLen: len(sni) + 1}.bytes(), "1|196611|<none>|<none>|<none>|<none>"},
		// Bytes after the last extension, fewer than a header, are ignored.
		{"trailing-bytes", helloMsg{exts: cat(sni, []byte{0, 0, 0})}.bytes(), "1|196611|a.example|<none>|0|<none>"},
		// An entry that is not a host name is skipped, and a later
		// server_name extension is read.
		{"sni-second", helloMsg{exts: cat(sniExt(1, "x"), sniExt(0, "b.example"))}.bytes(), "1|196611|b.example|<none>|0|<none>"},
		{"sni-empty-list", helloMsg{exts: sniExt(0, "")}.bytes(), "1|196611|<none>|<none>|0|<none>"},
		// A name longer than its extension (haproxy reads on past it).
		{"sni-overlong", helloMsg{exts: cat(sniExt(0, "a.example")[:7], []byte{0, 40}, []byte("a.example"), ext(99, strings.Repeat("x", 40)))}.bytes(), "1|196611|<none>|<none>|0|<none>"},
		// A malformed extension after those a fetch wants does not matter
		// to it; one before does.
		{"bad-after", helloMsg{exts: cat(sni, alpn, []byte{0, 99, 0, 9, 1})}.bytes(), "1|196611|a.example|h2|<none>|<none>"},
		{"bad-before", helloMsg{exts: cat([]byte{0, 99, 0, 9, 1, 2, 3, 4, 5}, sni)[:9]}.bytes(), "1|196611|<none>|<none>|<none>|<none>"},
		{"alpn-short", helloMsg{exts: ext(extALPN, "\x00\x01")}.bytes(), "1|196611|<none>|<none>|0|<none>"},
		{"alpn-name-overlong", helloMsg{exts: ext(extALPN, "\x00\x03\x05h2")}.bytes(), "1|196611|<none>|<none>|0|<none>"},
		{"ticket-empty", helloMsg{exts: ext(extSessionTicket, "")}.bytes(), "1|196611|<none>|<none>|1|<none>"},
	}
	for _, tt := range tests {
		var got []string
		for _, kw := range all {
			got = append(got, evalL6(t, kw, tt.data, false, false))
		}
		if s := strings.Join(got, "|"); s != tt.want {
			t.Errorf("%s: %s = %s, want %s", tt.name, strings.Join(all, "|"), s, tt.want)
		}
		// Decided without waiting: the same once nothing more comes.
		for i, kw := range all {
			c := &Ctx{L6: &Payload{Req: tt.data}}
			e, _ := ParseExpr(nil, kw)
			e.Eval(c)
			if c.mayChange {
				t.Errorf("%s: %s asks to wait on a whole message (%s)", tt.name, kw, got[i])
			}
		}
	}
	// Each ALPN name in turn, for an ACL, the empty one included.
	e, _ := ParseExpr(nil, "req.ssl_alpn")
	c := &Ctx{L6: &Payload{Req: good}}
	var names []string
	it := e.Iter()
	for v, ok := it.Next(c); ok; v, ok = it.Next(c) {
		names = append(names, string(v.Str))
	}
	if s := strings.Join(names, ","); s != "h2,,http/1.1" {
		t.Errorf("req.ssl_alpn values = %q", s)
	}
}

// The SSLv2 hello's version waits for the whole message too.
func TestHelloVersionSSLv2Waits(t *testing.T) {
	for _, hello := range [][]byte{sslv2Hello(0x0301, 0), sslv2Hello(0x0301, 2)} {
		for n := 0; n < len(hello); n++ {
			c := &Ctx{L6: &Payload{Req: hello[:n]}}
			e, _ := ParseExpr(nil, "req.ssl_ver")
			if _, ok := e.Eval(c); ok || !c.mayChange {
				t.Fatalf("req.ssl_ver on %d of %d bytes: ok %v, waits %v", n, len(hello), ok, c.mayChange)
			}
		}
	}
}

// req.ssl_ver's ACL reads versions as MAJOR.MINOR, with the integer
// operators, as haproxy's.
func TestHelloVersionACL(t *testing.T) {
	hello := helloMsg{cliVer: 0x0302}.bytes() // TLS 1.1, 3.2
	acls := NewACLSet(nil)
	for _, tt := range []struct {
		cond string
		want Tri
	}{
		{"if { req.ssl_ver 3.2 }", Pass},
		{"if { req_ssl_ver 3.1 3.2 }", Pass},
		{"if { req.ssl_ver 3 }", Fail},
		{"if { req.ssl_ver 3.1:3.3 }", Pass},
		{"if { req.ssl_ver 3.3: }", Fail},
		{"if { req.ssl_ver ge 3.1 }", Pass},
		{"if { req.ssl_ver gt 3.2 }", Fail},
		{"if { req.ssl_ver gt 3.1 }", Pass},
		{"if { req.ssl_ver lt 3.2 }", Fail},
		{"if { req.ssl_ver le 3.2 }", Pass},
		{"if { req.ssl_ver lt 4 }", Pass},
		{"if { req.ssl_ver -m int 196610 }", Pass},
		{"if { req.ssl_ver,add(0) 196610 }", Pass}, // a converter: plain integers
		{"if { req.ssl_ver -m found }", Pass},
	} {
		c, err := ParseCond(strings.Fields(tt.cond), acls)
		if err != nil {
			t.Fatalf("%s: %v", tt.cond, err)
		}
		if got := c.Test(&Ctx{L6: &Payload{Req: hello}}); got != tt.want {
			t.Errorf("%s = %d, want %d", tt.cond, got, tt.want)
		}
	}
	// haproxy's messages (checked with haproxy -c).
	for _, tt := range []struct{ pats, err string }{
		{"x", "'x' is not a dotted number"},
		{"3.", "'3.' is not a dotted number"},
		{"70000.1", "'70000.1' is not a dotted number"},
		{"3.1:2", "'3.1:2' is not a valid dotted number range"},
		{"gt 70000", "'70000' contains too large a major value"},
		{"gt 3.70000", "'3.70000' contains too large a minor value"},
		{"lt 3.x", "'3.x' is neither a number nor a supported operator"},
	} {
		_, err := ParseCond(strings.Fields("if { req.ssl_ver "+tt.pats+" }"), acls)
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("req.ssl_ver %s: error %v, want %q", tt.pats, err, tt.err)
		}
	}
}

// In HTTP mode (no stream bytes) the fetches find nothing and do not wait.
func TestHelloFetchesNeedAStream(t *testing.T) {
	for _, kw := range []string{"req.ssl_sni", "req.ssl_hello_type", "res.ssl_hello_type", "req.ssl_ver", "req.ssl_alpn", "req.ssl_st_ext", "req.ssl_ec_ext"} {
		e, err := ParseExpr(nil, kw)
		if err != nil {
			t.Fatal(err)
		}
		c := ctxFor(hotReq)
		if v, ok := e.Eval(c); ok || c.mayChange {
			t.Errorf("%s in HTTP mode = %v, waits %v", kw, v, c.mayChange)
		}
	}
}

func TestHelloFetchesDoNotAllocate(t *testing.T) {
	hello := goClientHello(t, &tls.Config{ServerName: "a.example", NextProtos: []string{"h2", "http/1.1"}, InsecureSkipVerify: true,
		ClientSessionCache: tls.NewLRUClientSessionCache(1)})
	c := &Ctx{L6: &Payload{Req: hello, Res: hello}}
	acls := NewACLSet(nil)
	for _, s := range []string{
		"if { req.ssl_hello_type 1 }",
		"if { req.ssl_sni -i b.example A.EXAMPLE }",
		"if { req.ssl_sni -m end .example }",
		"if { req.ssl_alpn http/1.1 }",
		"if { req.ssl_ver ge 3.1 } { req.ssl_st_ext 1 } { req.ssl_ec_ext }",
		"if { res.ssl_hello_type 1 }",
	} {
		cond, err := ParseCond(strings.Fields(s), acls)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if !cond.Eval(c) {
			t.Fatalf("%s does not match", s)
		}
		if n := testing.AllocsPerRun(200, func() { cond.Eval(c) }); n != 0 {
			t.Errorf("%s: %v allocations per evaluation", s, n)
		}
	}
}

// FuzzClientHello: no input makes the hello fetches fail other than by
// finding nothing, and an answer given without waiting (a value, or "not
// a hello") stays the same whatever bytes come after: waiting is only
// ever asked for what more bytes can change.
func FuzzClientHello(f *testing.F) {
	for _, cfg := range []*tls.Config{
		{ServerName: "a.example", NextProtos: []string{"h2", "http/1.1"}, InsecureSkipVerify: true},
		{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10, InsecureSkipVerify: true},
	} {
		f.Add(goClientHello(f, cfg), uint16(300))
	}
	for _, b := range [][]byte{
		helloMsg{exts: cat(sniExt(0, "a.example"), alpnExt("h2"), ext(extSessionTicket, "t"))}.bytes(),
		helloMsg{exts: cat(sniExt(1, "x"), sniExt(0, "b"))}.bytes(),
		helloMsg{exts: ext(extALPN, "\x00\x03\x05h2")}.bytes(),
		sslv2Hello(0x0301, 0), sslv2Hello(0x0002, 5),
		cat([]byte{0x16, 3, 3, 0, 42, 2, 0, 0, 38, 3, 3}, make([]byte, 32), []byte{0, 0x13, 0x01, 0}),
		[]byte("GET / HTTP/1.1\r\n\r\n"),
	} {
		f.Add(b, uint16(len(b)/2))
	}
	exprs := []string{"req.ssl_hello_type", "res.ssl_hello_type", "req.ssl_ver", "req.ssl_sni", "req.ssl_alpn", "req.ssl_st_ext", "req.ssl_ec_ext"}
	parsed := make([]*Expr, len(exprs))
	for i, s := range exprs {
		e, err := ParseExpr(nil, s)
		if err != nil {
			f.Fatal(err)
		}
		parsed[i] = e
	}
	// all renders every value of e, and whether it asked to wait.
	all := func(e *Expr, data []byte, final bool) (string, bool) {
		c := &Ctx{L6: &Payload{Req: data, Res: data, Final: final}}
		var vals []string
		it := e.Iter()
		for v, ok := it.Next(c); ok; v, ok = it.Next(c) {
			vals = append(vals, string(v.AppendText(nil)))
		}
		return strings.Join(vals, "\x00"), c.mayChange
	}
	f.Fuzz(func(t *testing.T, data []byte, cut uint16) {
		prefix := data[:int(cut)%(len(data)+1)]
		for i, e := range parsed {
			got, waits := all(e, prefix, false)
			if _, waitsFinal := all(e, prefix, true); waitsFinal {
				t.Fatalf("%s asks to wait once nothing more comes", exprs[i])
			}
			whole, _ := all(e, data, false)
			switch {
			case waits && !strings.HasPrefix(whole, got):
				// An ACL may see ALPN names before waiting for the next.
				t.Fatalf("%s on %d bytes = %q before waiting, on %d = %q", exprs[i], len(prefix), got, len(data), whole)
			case !waits && whole != got:
				t.Fatalf("%s on %d bytes = %q, on %d = %q: decided too early", exprs[i], len(prefix), got, len(data), whole)
			}
		}
	})
}
