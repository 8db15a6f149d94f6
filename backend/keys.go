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
	p, _ := sample.PathQueryOf(uri)
	return p
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
	v, ok := sample.HeaderElem(r, name, 1)
	return v, ok && len(v) > 0
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
