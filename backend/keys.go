package backend

import (
	"bytes"
	"encoding/binary"
	"net/netip"

	"switchyard/sample"
)

// This file extracts the bytes that the hashing algorithms hash, following
// haproxy 2.6's get_server_{sh,uh,ph,hh} byte for byte: the choice of server
// depends on every byte, so "almost the same key" is a different server.

// sourceHash is the `balance source` hash: the address as a big-endian
// 32-bit word, or for IPv6 the XOR of its four words. IPv4-mapped IPv6
// addresses (a dual-stack listener) are hashed as IPv6, as haproxy sees
// them as AF_INET6. The hash function of hash-type is not used.
func sourceHash(src netip.Addr) (uint32, bool) {
	if src.Is4() {
		b := src.As4()
		return binary.BigEndian.Uint32(b[:]), true
	}
	if !src.Is6() {
		return 0, false
	}
	b := src.As16()
	var h uint32
	for i := 0; i < 16; i += 4 {
		h ^= binary.BigEndian.Uint32(b[i:])
	}
	return h, true
}

// uriKey returns the part of the request-target that `balance uri` hashes:
// the path-only part if asked, cut at `len` bytes, then up to the query
// string (unless `whole`) or up to the slash that ends the `depth`th level.
// Slashes are counted from the start of the target, including the "//" of
// an absolute-form target, as haproxy does.
func (a *Algorithm) uriKey(uri []byte) []byte {
	if a.URIPathOnly {
		uri = uriPath(uri)
	}
	if a.URILen > 0 && len(uri) > a.URILen {
		uri = uri[:a.URILen]
	}
	slashes := 0
	for i, c := range uri {
		switch {
		case c == '/':
			slashes++
			if slashes == a.URIDepth+1 && a.URIDepth > 0 {
				return uri[:i]
			}
		case c == '?' && !a.URIWhole:
			return uri[:i]
		}
	}
	return uri
}

// uriPath returns the path (with its query string) of a request-target:
// the target itself in origin-form, what follows scheme://authority in
// absolute-form, and nothing for "*" or an authority-form target.
func uriPath(uri []byte) []byte {
	if len(uri) == 0 || uri[0] == '*' {
		return nil
	}
	if uri[0] == '/' {
		return uri
	}
	// scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then "://".
	if !isAlpha(uri[0]) {
		return nil
	}
	i := 1
	for i < len(uri) && (isAlpha(uri[i]) || isDigit(uri[i]) || uri[i] == '+' || uri[i] == '-' || uri[i] == '.') {
		i++
	}
	if len(uri)-i < 3 || uri[i] != ':' || uri[i+1] != '/' || uri[i+2] != '/' {
		return nil
	}
	for i += 3; i < len(uri); i++ {
		if uri[i] == '/' {
			return uri[i:]
		}
	}
	return nil
}

// urlParamValue finds NAME=value in the query string of uri. The value ends
// at the next '&' (a '#' is not special, as in haproxy), and an empty value
// is still a value: only a missing parameter makes the caller fall back.
func urlParamValue(uri []byte, name string) ([]byte, bool) {
	q := bytes.IndexByte(uri, '?')
	if q < 0 {
		return nil, false
	}
	params := uri[q+1:]
	for len(params) > len(name) {
		if params[len(name)] == '=' && string(params[:len(name)]) == name {
			v := params[len(name)+1:]
			if amp := bytes.IndexByte(v, '&'); amp >= 0 {
				v = v[:amp]
			}
			return v, true
		}
		amp := bytes.IndexByte(params, '&')
		if amp < 0 {
			break
		}
		params = params[amp+1:]
	}
	return nil, false
}

// headerValue returns the first comma-separated element of the first header
// named name (case-insensitively), trimmed of blanks: what haproxy's
// http_find_header() yields. An empty element counts as absent, and later
// elements or headers are not looked at.
func headerValue(r sample.Request, name string) ([]byte, bool) {
	for i, n := 0, r.NumHeaders(); i < n; i++ {
		hn, v := r.Header(i)
		if !equalFoldASCII(hn, name) {
			continue
		}
		v = trimLWS(v[:valueEnd(v)])
		return v, len(v) > 0
	}
	return nil, false
}

// valueEnd returns the index of the first comma of v that is not inside a
// quoted string, or len(v).
func valueEnd(v []byte) int {
	quoted, escaped := false, false
	for i, c := range v {
		switch {
		case escaped:
			escaped = false
		case quoted:
			if c == '\\' {
				escaped = true
			} else if c == '"' {
				quoted = false
			}
		case c == '"':
			quoted = true
		case c == ',':
			return i
		}
	}
	return len(v)
}

// domainOnly implements `hdr(name) use_domain_only`: the label before the
// last dot ("example" in "www.example.com"), or the whole value when it has
// no dot. It scans backwards like haproxy, so odd values ("a..b", ".com")
// give the same bytes too. One difference: haproxy's scan starts by
// reading the byte just past the value, and if that byte happens to be a
// dot it hashes the last label instead ("com"). That byte is usually the
// first letter of the next header's name, but can be a leftover of an
// earlier request; we always treat it as not a dot.
func domainOnly(v []byte) []byte {
	end := len(v)
	for p := len(v); p > 0; p-- {
		if end < len(v) {
			if v[p-1] == '.' {
				return v[p:end]
			}
		} else if p < len(v) && v[p] == '.' {
			end = p
		}
	}
	return v[:end]
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isLWS(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func trimLWS(v []byte) []byte {
	for len(v) > 0 && isLWS(v[0]) {
		v = v[1:]
	}
	for len(v) > 0 && isLWS(v[len(v)-1]) {
		v = v[:len(v)-1]
	}
	return v
}

// equalFoldASCII compares a header name with s ignoring ASCII case, without
// converting either (which would allocate).
func equalFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		x, y := b[i], s[i]
		if x != y && (x|0x20 != y|0x20 || !isAlpha(x)) {
			return false
		}
	}
	return true
}
