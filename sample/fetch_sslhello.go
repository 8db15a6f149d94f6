package sample

// helloFetches read the TLS handshake that starts a TCP stream, in clear,
// without terminating it: what SNI routing needs (haproxy's req.ssl_*
// "layer 6" fetches). They read the bytes as the payload fetches do, and
// like them ask to wait (mayChange) while the message is incomplete, so
// that a rule waits for the whole ClientHello within inspect-delay.
//
// What counts as a handshake, and how far each fetch checks it, is
// haproxy 2.6's (src/payload.c): a fetch walks only as far as it needs,
// so a malformed extension after the server name does not hide the name.
var helloFetches = []fetchDef{
	{name: "req.ssl_hello_type", out: TypeInt, src: SrcL6Req, fn: fetchHelloType(dirReq)},
	{name: "req_ssl_hello_type", out: TypeInt, src: SrcL6Req, fn: fetchHelloType(dirReq)},
	{name: "res.ssl_hello_type", out: TypeInt, src: SrcL6Res, fn: fetchHelloType(dirRes)},
	{name: "rep_ssl_hello_type", out: TypeInt, src: SrcL6Res, fn: fetchHelloType(dirRes)},
	{name: "req.ssl_ver", out: TypeInt, src: SrcL6Req, fn: fetchHelloVersion},
	{name: "req_ssl_ver", out: TypeInt, src: SrcL6Req, fn: fetchHelloVersion},
	{name: "req.ssl_sni", out: TypeStr, src: SrcL6Req, fn: fetchHelloSNI},
	{name: "req_ssl_sni", out: TypeStr, src: SrcL6Req, fn: fetchHelloSNI},
	{name: "req.ssl_alpn", out: TypeStr, src: SrcL6Req, fn: fetchHelloALPN},
	{name: "req.ssl_st_ext", out: TypeInt, src: SrcL6Req, fn: fetchHelloTicketExt},
	{name: "req.ssl_ec_ext", out: TypeBool, src: SrcL6Req, fn: fetchHelloCurvesExt},
}

// helloStatus is what a look at the first bytes of a stream found.
type helloStatus uint8

const (
	helloOK    helloStatus = iota
	helloShort             // incomplete: more bytes may make it one
	helloNot               // not a message these fetches read
	helloEnd               // (extension walk) no more extensions
)

// The extensions the fetches look for (RFC 6066, 7301, 5077, 8422).
const (
	extServerName    = 0
	extSupportedEC   = 10
	extALPN          = 16
	extSessionTicket = 35
)

// helloFail is the answer of a fetch that found no value: a wait when the
// message is incomplete and more bytes may come.
func helloFail(c *Ctx, st helloStatus) (Value, cursor, bool) {
	if st == helloShort {
		return tooShort(c)
	}
	return Value{}, cursor{}, false
}

func fetchHelloType(d payloadDir) fetchFunc {
	return func(c *Ctx, _ []arg, _ cursor) (Value, cursor, bool) {
		data, ok := c.payloadOf(d)
		if !ok {
			return Value{}, cursor{}, false
		}
		t, st := helloType(data)
		if st != helloOK {
			return helloFail(c, st)
		}
		return Int(t), cursor{}, true
	}
}

// fetchHelloVersion reads the request, whatever the rule's direction, as
// haproxy does.
func fetchHelloVersion(c *Ctx, _ []arg, _ cursor) (Value, cursor, bool) {
	data, ok := c.payloadOf(dirReq)
	if !ok {
		return Value{}, cursor{}, false
	}
	v, st := helloVersion(data)
	if st != helloOK {
		return helloFail(c, st)
	}
	return Int(v), cursor{}, true
}

func fetchHelloSNI(c *Ctx, _ []arg, _ cursor) (Value, cursor, bool) {
	data, ok := c.payloadOf(dirReq)
	if !ok {
		return Value{}, cursor{}, false
	}
	name, st := helloSNI(data)
	if st != helloOK {
		return helloFail(c, st)
	}
	return Str(name), cursor{}, true
}

// fetchHelloALPN returns the protocols the client offers, in its order of
// preference: the first one, or each in turn for an ACL. The cursor holds
// the offsets in the payload of the next name and of the extension's end.
func fetchHelloALPN(c *Ctx, _ []arg, cur cursor) (Value, cursor, bool) {
	data, ok := c.payloadOf(dirReq)
	if !ok {
		return Value{}, cursor{}, false
	}
	at, end := cur.i, cur.j
	if at == 0 {
		var st helloStatus
		if at, end, st = helloALPN(data); st != helloOK {
			return helloFail(c, st)
		}
	}
	name, next, st := alpnName(data, at, end)
	if st != helloOK {
		return helloFail(c, st)
	}
	return Str(name), cursor{all: cur.all, more: cur.all && next > 0, i: next, j: end}, true
}

// fetchHelloTicketExt is 0 without a SessionTicket extension, 1 with an
// empty one, 2 with a ticket in it.
func fetchHelloTicketExt(c *Ctx, _ []arg, _ cursor) (Value, cursor, bool) {
	data, ok := c.payloadOf(dirReq)
	if !ok {
		return Value{}, cursor{}, false
	}
	from, to, st := helloFindExt(data, extSessionTicket)
	switch {
	case st == helloEnd:
		return Int(0), cursor{}, true
	case st != helloOK:
		return helloFail(c, st)
	case to > from:
		return Int(2), cursor{}, true
	}
	return Int(1), cursor{}, true
}

// fetchHelloCurvesExt is true when the client sent the supported groups
// (elliptic curves) extension; without one there is no value.
func fetchHelloCurvesExt(c *Ctx, _ []arg, _ cursor) (Value, cursor, bool) {
	data, ok := c.payloadOf(dirReq)
	if !ok {
		return Value{}, cursor{}, false
	}
	if _, _, st := helloFindExt(data, extSupportedEC); st != helloOK {
		return helloFail(c, st)
	}
	return Bool(true), cursor{}, true
}

// sslRecord says whether b can start an SSLv3/TLS record as haproxy
// recognises one: change_cipher_spec, alert, handshake, application_data,
// or 0xFF.
func sslRecord(b byte) bool { return b >= 0x14 && b <= 0x17 || b == 0xff }

func be16(b []byte) int { return int(b[0])<<8 | int(b[1]) }
func be24(b []byte) int { return int(b[0])<<16 | int(b[1])<<8 | int(b[2]) }

// helloType returns the type of the handshake message in the record at
// the start of b (1 for a ClientHello, 2 for a ServerHello), once the
// whole message has come. A message larger than what the buffer holds
// never completes: the rule waits until inspection ends, as in haproxy.
func helloType(b []byte) (int64, helloStatus) {
	switch {
	case len(b) == 0:
		return 0, helloShort
	case !sslRecord(b[0]):
		return 0, helloNot
	case len(b) < 9:
		return 0, helloShort
	case b[1] < 3, be16(b[3:]) < 4: // before SSLv3; too short for a header
		return 0, helloNot
	case len(b) < 9+be24(b[6:]):
		return 0, helloShort
	}
	return int64(b[5]), helloOK
}

// helloVersion returns the protocol version the client asks for, as
// major<<16 | minor: the ClientHello's client_version in an SSLv3/TLS
// record (not the record's own version), or the version of an SSLv2
// CLIENT-HELLO. The whole record must have come.
func helloVersion(b []byte) (int64, helloStatus) {
	if len(b) == 0 {
		return 0, helloShort
	}
	var ver, size int
	if sslRecord(b[0]) {
		if len(b) < 11 {
			return 0, helloShort
		}
		n := be16(b[3:])
		if b[1] < 3 || n < 6 || n > 1<<14+2048 {
			return 0, helloNot
		}
		ver, size = int(b[9])<<16|int(b[10]), 5+n
	} else {
		// SSLv2: a two-byte header (high bit set) holding a 15-bit
		// length, or a three-byte one with a 14-bit length and a padding
		// length; then the message type (1, CLIENT-HELLO), the version and
		// the lengths of the cipher specs, session id and challenge.
		hdr, n, pad := 2, int(b[0]&0x7f)<<8, 0
		if b[0]&0x80 == 0 {
			hdr, n = 3, int(b[0]&0x3f)<<8
		}
		if len(b) < hdr+1 {
			return 0, helloShort
		}
		n |= int(b[1])
		if hdr == 3 {
			pad = int(b[2])
		}
		if b[hdr] != 1 {
			return 0, helloNot
		}
		if len(b) < hdr+9 {
			return 0, helloShort
		}
		h := b[hdr+1:]
		ciphers, session, challenge := be16(h[2:]), be16(h[4:]), be16(h[6:])
		if ciphers%3 != 0 || session != 0 && session != 16 || challenge < 16 || challenge > 32 ||
			n != 9+ciphers+session+challenge {
			return 0, helloNot
		}
		ver, size = int(h[0])<<16|int(h[1]), hdr+9+ciphers+session+challenge+pad
	}
	if len(b) < size {
		return 0, helloShort
	}
	return int64(ver), helloOK
}

// extWalk walks the extensions of a ClientHello: b[p:end] is what is left
// of the list. end may lie up to 4 bytes past len(b) (see helloExts).
type extWalk struct {
	b      []byte
	p, end int
}

// helloExts finds the extension list of the ClientHello that starts b, in
// a TLS 1.0 or later handshake record. Like haproxy it reads the message
// as one block, whatever records carry it, and takes it as complete when
// as many bytes as the ClientHello's length follow the record header: its
// last 4 bytes may still be missing. Every length is checked against the
// declared one; a byte that is declared but has not come yet makes the
// answer helloShort, so nothing is read past the data.
func helloExts(b []byte) (extWalk, helloStatus) {
	switch {
	case len(b) == 0:
		return extWalk{}, helloShort
	case b[0] != 0x16: // handshake record
		return extWalk{}, helloNot
	case len(b) < 3:
		return extWalk{}, helloShort
	case b[1] < 3:
		return extWalk{}, helloNot
	case len(b) < 5:
		return extWalk{}, helloShort
	// a record too short for a ClientHello with an extension
	case be16(b[3:]) < 1+3+2+32+1+2+2+1+1+2+2:
		return extWalk{}, helloNot
	case len(b) < 6:
		return extWalk{}, helloShort
	case b[5] != 1: // ClientHello
		return extWalk{}, helloNot
	case len(b) < 9:
		return extWalk{}, helloShort
	}
	rem := be24(b[6:]) // what the message has left from p
	switch {
	case rem < 2+32+1+2+2+1+1+2+2:
		return extWalk{}, helloNot
	case len(b)-5 < rem:
		return extWalk{}, helloShort
	}
	p := 9
	// client_version (TLS 1.0 at least), random, session id
	if len(b) < p+35 {
		return extWalk{}, helloShort
	}
	if b[p] < 3 || b[p+1] < 1 {
		return extWalk{}, helloNot
	}
	sid := int(b[p+34])
	if sid > 32 || sid > rem-35 {
		return extWalk{}, helloNot
	}
	p, rem = p+35+sid, rem-35-sid
	// cipher suites: at least one
	if rem < 4 {
		return extWalk{}, helloNot
	}
	if len(b) < p+2 {
		return extWalk{}, helloShort
	}
	n := be16(b[p:])
	if n < 2 || n > rem {
		return extWalk{}, helloNot
	}
	p, rem = p+2+n, rem-2-n
	// compression methods: at least one
	if rem < 2 {
		return extWalk{}, helloNot
	}
	if len(b) < p+1 {
		return extWalk{}, helloShort
	}
	n = int(b[p])
	if n < 1 || n > rem {
		return extWalk{}, helloNot
	}
	p, rem = p+1+n, rem-1-n
	// the extensions' length
	if rem < 2 {
		return extWalk{}, helloNot
	}
	if len(b) < p+2 {
		return extWalk{}, helloShort
	}
	n = be16(b[p:])
	if n > rem-2 {
		return extWalk{}, helloNot
	}
	return extWalk{b: b, p: p + 2, end: p + 2 + n}, helloOK
}

// next returns the next extension's type and the bounds of its body in
// b; helloEnd when fewer than 4 bytes are left, which are ignored.
func (w *extWalk) next() (typ, from, to int, st helloStatus) {
	if w.end-w.p < 4 {
		return 0, 0, 0, helloEnd
	}
	if len(w.b) < w.p+4 {
		return 0, 0, 0, helloShort
	}
	typ, n := be16(w.b[w.p:]), be16(w.b[w.p+2:])
	if n > w.end-w.p-4 {
		return 0, 0, 0, helloNot
	}
	from, to = w.p+4, w.p+4+n
	w.p = to
	return typ, from, to, helloOK
}

// helloFindExt returns the bounds in b of the body of the ClientHello's
// first extension of type typ; helloEnd when there is none. The body may
// end in the bytes not come yet.
func helloFindExt(b []byte, typ int) (from, to int, st helloStatus) {
	w, st := helloExts(b)
	for st == helloOK {
		var t int
		if t, from, to, st = w.next(); st == helloOK && t == typ {
			return from, to, helloOK
		}
	}
	return 0, 0, st
}

// helloSNI returns the host name of the ClientHello's server_name
// extension: the first whose first entry is a host name. haproxy does not
// check that the name fits in its extension, and may then return bytes
// past it; such a ClientHello has no name here.
func helloSNI(b []byte) ([]byte, helloStatus) {
	w, st := helloExts(b)
	if st != helloOK {
		return nil, st
	}
	for {
		typ, from, to, st := w.next()
		switch {
		case st == helloEnd:
			return nil, helloNot
		case st != helloOK:
			return nil, st
		case typ != extServerName:
			continue
		case to-from < 2: // no room for the list's length
			return nil, helloNot
		case len(b) < from+2:
			return nil, helloShort
		}
		// The list holds at least one entry (type, length), and ends
		// within the extension list (not necessarily this extension,
		// haproxy's check).
		if n := be16(b[from:]); n < 4 || n > w.end-from-2 {
			return nil, helloNot
		}
		if len(b) < from+5 {
			return nil, helloShort
		}
		if b[from+2] != 0 { // not a host_name
			continue
		}
		end := from + 5 + be16(b[from+3:])
		if end > to {
			return nil, helloNot
		}
		if len(b) < end {
			return nil, helloShort
		}
		return b[from+5 : end], helloOK
	}
}

// helloALPN returns where the first protocol name of the ClientHello's
// ALPN extension is in b, and where the extension ends. The list's own
// length is skipped, not read, as haproxy does.
func helloALPN(b []byte) (at, end int, st helloStatus) {
	from, to, st := helloFindExt(b, extALPN)
	switch {
	case st == helloEnd:
		return 0, 0, helloNot
	case st != helloOK:
		return 0, 0, st
	case to-from < 3: // the list's length and one name's
		return 0, 0, helloNot
	}
	return from + 2, to, helloOK
}

// alpnName returns the length-prefixed protocol name at b[at:], which must
// end by end, and the offset of the next one (0 after the last).
func alpnName(b []byte, at, end int) (name []byte, next int, st helloStatus) {
	if len(b) < at+1 {
		return nil, 0, helloShort
	}
	next = at + 1 + int(b[at])
	if next > end {
		return nil, 0, helloNot
	}
	if len(b) < next {
		return nil, 0, helloShort
	}
	name = b[at+1 : next]
	if next == end {
		next = 0
	}
	return name, next, helloOK
}
