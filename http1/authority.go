package http1

// The request target's scheme and authority, and how haproxy checks them
// against the Host field.

// uriScheme returns the scheme with its "://" of an absolute URI, or nil.
func uriScheme(u []byte) []byte {
	if len(u) == 0 || u[0] == '/' || u[0] == '*' || !isAlpha(u[0]) {
		return nil
	}
	i := 1
	for i < len(u) && (isAlpha(u[i]) || isDigit(u[i]) || u[i] == '+' || u[i] == '-' || u[i] == '.') {
		i++
	}
	if len(u)-i < 3 || string(u[i:i+3]) != "://" {
		return nil
	}
	return u[:i+3]
}

func isAlpha(c byte) bool { return 'a' <= lower(c) && lower(c) <= 'z' }

// uriAuthority returns the authority of an absolute URI or of an
// authority-form target, without any userinfo; ok is false for origin-form
// ("/...") and asterisk-form targets, and for an empty target.
func uriAuthority(u []byte) (auth []byte, start int, ok bool) {
	if len(u) == 0 || u[0] == '/' || u[0] == '*' {
		return nil, 0, false
	}
	start = len(uriScheme(u))
	end := start
	for end < len(u) && u[end] != '/' {
		if u[end] == '@' {
			start = end + 1
		}
		end++
	}
	return u[start:end], start, true
}

// hostPort splits "host:port". ok is false when there is no port; a
// trailing ':' gives an empty port with ok true.
func hostPort(b []byte) (host, port []byte, ok bool) {
	i := len(b)
	for i > 0 && isDigit(b[i-1]) {
		i--
	}
	if i == 0 || b[i-1] != ':' {
		return b, nil, false
	}
	return b[:i-1], b[i:], true
}

// defaultPort: an empty port, or 80/443 for the scheme (either one when
// there is no scheme, as with CONNECT).
func defaultPort(scheme, port []byte) bool {
	switch string(port) {
	case "":
		return true
	case "80":
		return scheme == nil || eqFold(scheme, "http://")
	case "443":
		return scheme == nil || eqFold(scheme, "https://")
	}
	return false
}

// checkAuthority: a CONNECT target must be host:port and agree with Host,
// whose default port is then dropped; any other request's authority must
// match Host up to default ports.
func (r *Request) checkAuthority(p *fieldParser, end int) error {
	var host *Header
	if p.host >= 0 {
		host = &r.list[p.host]
	}
	auth, _, hasAuth := uriAuthority(r.uri)
	if r.Meth == MethodCONNECT {
		uhost, uport, ok := hostPort(auth)
		if !hasAuth || !ok || len(uport) == 0 {
			return r.err.fail(400, 0, "invalid CONNECT target")
		}
		if host == nil {
			return nil
		}
		h, port, _ := hostPort(host.Value)
		if len(port) > 0 {
			if !eqFoldBytes(h, uhost) || string(port) != string(uport) {
				return r.err.fail(400, end, "host does not match CONNECT target")
			}
			if defaultPort(nil, uport) {
				host.Value = h
			}
		} else if !defaultPort(nil, uport) || !eqFoldBytes(h, uhost) {
			return r.err.fail(400, end, "host does not match CONNECT target")
		}
		return nil
	}
	if host == nil || len(auth) == 0 || eqFoldBytes(auth, host.Value) {
		return nil
	}
	if !sameAuthority(uriScheme(r.uri), auth, host.Value) {
		return r.err.fail(400, end, "host does not match the URI's authority")
	}
	return nil
}

// sameAuthority accepts an authority and a Host that differ only by a
// default port on one side.
func sameAuthority(scheme, auth, host []byte) bool {
	if scheme == nil {
		return false
	}
	uhost, uport, uok := hostPort(auth)
	h, hport, hok := hostPort(host)
	switch {
	case !uok && !hok:
		return false
	case uok && !defaultPort(scheme, uport), hok && !defaultPort(scheme, hport):
		return false
	}
	return eqFoldBytes(uhost, h)
}

// normalizeAuthority removes a default port from an absolute URI, in place,
// and makes every Host field name the same host, as haproxy's scheme-based
// normalisation does before forwarding.
func (r *Request) normalizeAuthority() {
	scheme := uriScheme(r.uri)
	if scheme == nil {
		return
	}
	auth, start, _ := uriAuthority(r.uri)
	host, port, ok := hostPort(auth)
	if !ok || !defaultPort(scheme, port) {
		return
	}
	end := start + len(auth)
	cut := len(auth) - len(host)
	n := copy(r.uri[end-cut:], r.uri[end:])
	r.uri = r.uri[:end-cut+n]
	host = r.uri[start : start+len(host)]
	for i := range r.list {
		if eqFold(r.list[i].Name, "host") {
			r.list[i].Value = host
		}
	}
}
