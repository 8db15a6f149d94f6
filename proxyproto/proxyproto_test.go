package proxyproto

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"
)

func TestParseV1(t *testing.T) {
	for _, c := range []struct {
		in       string
		n        int
		src, dst string
		local    bool
		err      bool
	}{
		{in: "PROXY TCP4 192.0.2.1 198.51.100.2 5000 80\r\nGET", n: 43, src: "192.0.2.1:5000", dst: "198.51.100.2:80"},
		{in: "PROXY TCP6 2001:db8::1 2001:db8::2 1 65535\r\n", n: 44, src: "[2001:db8::1]:1", dst: "[2001:db8::2]:65535"},
		{in: "PROXY UNKNOWN\r\nrest", n: 15, local: true},
		{in: "PROXY UNKNOWN 1.2.3.4 1.2.3.5 1 2\r\n", err: true},
		{in: "PROXY TCP4 192.0.2.1 198.51.100.2 5000 70000\r\n", err: true},
		{in: "PROXY TCP4 192.0.2.1  198.51.100.2 5000 80\r\n", err: true},
		{in: "PROXY TCP4 2001:db8::1 198.51.100.2 5000 80\r\n", err: true},
		{in: "PROXY TCP6 192.0.2.1 198.51.100.2 5000 80\r\n", err: true},
		{in: "PROXY UDP4 192.0.2.1 198.51.100.2 5000 80\r\n", err: true},
		{in: "PROXY TCP4 192.0.2.1 198.51.100.2 5000 80\n", err: true},
		{in: "GET / HTTP/1.1\r\n", err: true},
	} {
		h, n, err := Parse([]byte(c.in))
		if c.err {
			if err == nil || errors.Is(err, ErrIncomplete) {
				t.Errorf("%q: want an error, got %v %+v", c.in, err, h)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if n != c.n || h.Local != c.local || h.Version != 1 {
			t.Errorf("%q: n=%d local=%v v=%d", c.in, n, h.Local, h.Version)
		}
		if !c.local && (h.Src.String() != c.src || h.Dst.String() != c.dst) {
			t.Errorf("%q: %s -> %s", c.in, h.Src, h.Dst)
		}
		// Every proper prefix asks for more.
		for i := 0; i < c.n; i++ {
			if _, _, err := Parse([]byte(c.in[:i])); !errors.Is(err, ErrIncomplete) {
				t.Errorf("%q[:%d]: %v, want ErrIncomplete", c.in, i, err)
			}
		}
	}
}

func TestParseV2(t *testing.T) {
	src, dst := netip.MustParseAddrPort("192.0.2.1:5000"), netip.MustParseAddrPort("198.51.100.2:443")
	src6, dst6 := netip.MustParseAddrPort("[2001:db8::1]:1"), netip.MustParseAddrPort("[2001:db8::2]:2")
	for _, c := range []struct {
		name     string
		in       []byte
		src, dst netip.AddrPort
		local    bool
		tlvs     int
	}{
		{name: "ipv4", in: AppendV2(nil, src, dst, false), src: src, dst: dst},
		{name: "ipv6", in: AppendV2(nil, src6, dst6, false), src: src6, dst: dst6},
		{name: "tlvs-crc", in: AppendV2(nil, src, dst, true, TLV{Type: TypeAuthority, Value: []byte("example.com")}, TLV{Type: TypeNoop}), src: src, dst: dst, tlvs: 3},
		{name: "local", in: AppendV2Local(nil), local: true},
	} {
		in := append(append([]byte(nil), c.in...), "GET /"...)
		h, n, err := Parse(in)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if n != len(c.in) || h.Version != 2 || h.Local != c.local || len(h.TLVs) != c.tlvs {
			t.Errorf("%s: n=%d/%d %+v", c.name, n, len(c.in), h)
		}
		if !c.local && (h.Src != c.src || h.Dst != c.dst) {
			t.Errorf("%s: %s -> %s", c.name, h.Src, h.Dst)
		}
		for i := 0; i < len(c.in); i++ {
			if _, _, err := Parse(c.in[:i]); !errors.Is(err, ErrIncomplete) {
				t.Errorf("%s[:%d]: %v, want ErrIncomplete", c.name, i, err)
			}
		}
	}
	good := AppendV2(nil, src, dst, true)
	for name, mod := range map[string]func([]byte) []byte{
		"bad-crc":     func(b []byte) []byte { b[len(b)-1] ^= 1; return b },
		"version-1":   func(b []byte) []byte { b[12] = 0x11; return b },
		"command-2":   func(b []byte) []byte { b[12] = 0x22; return b },
		"short-addr":  func(b []byte) []byte { return append(b[:14:14], 0, 4, 1, 2, 3, 4) },
		"tlv-overrun": func(b []byte) []byte { b[len(b)-6] = 9; return b },
		"bad-sig":     func(b []byte) []byte { b[5] = 'x'; return b },
	} {
		b := mod(bytes.Clone(good))
		if _, _, err := Parse(b); err == nil || errors.Is(err, ErrIncomplete) {
			t.Errorf("%s: want an error, got %v", name, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	src, dst := netip.MustParseAddrPort("192.0.2.1:5000"), netip.MustParseAddrPort("198.51.100.2:443")
	f.Add([]byte("PROXY TCP4 192.0.2.1 198.51.100.2 5000 80\r\n"))
	f.Add([]byte("PROXY UNKNOWN\r\n"))
	f.Add(AppendV2(nil, src, dst, true, TLV{Type: TypeUniqueID, Value: []byte("abc")}))
	f.Add(AppendV2Local(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, n, err := Parse(b)
		if err != nil {
			if n != 0 {
				t.Fatalf("error with n=%d", n)
			}
			return
		}
		if n <= 0 || n > len(b) {
			t.Fatalf("n=%d of %d", n, len(b))
		}
		// A complete header parses the same with anything after it, and
		// its prefixes never parse as a header.
		h2, n2, err := Parse(append(bytes.Clone(b[:n]), "extra"...))
		if err != nil || n2 != n || h2.Local != h.Local || h2.Src != h.Src || h2.Dst != h.Dst {
			t.Fatalf("reparse: %v %d %+v", err, n2, h2)
		}
		if !h.Local && (!h.Src.IsValid() || !h.Dst.IsValid()) {
			t.Fatalf("addresses missing: %+v", h)
		}
	})
}
