package proxyproto

import (
	"bytes"
	"net/netip"
	"testing"
)

// An SSL TLV built with AppendSSL reads back with ParseSSL, inside a
// whole header; truncated values are refused.
func TestSSLTLV(t *testing.T) {
	in := SSL{Client: ClientSSL | ClientCertSess, Verify: 10, Sub: []TLV{
		{Type: SubtypeSSLVersion, Value: []byte("TLSv1.3")},
		{Type: SubtypeSSLCN, Value: []byte("alice")},
	}}
	v := AppendSSL(nil, in)
	hdr := AppendV2(nil, netip.MustParseAddrPort("192.0.2.1:1234"), netip.MustParseAddrPort("192.0.2.2:443"), true,
		TLV{Type: TypeSSL, Value: v})
	h, n, err := Parse(hdr)
	if err != nil || n != len(hdr) {
		t.Fatalf("Parse: %v (%d of %d)", err, n, len(hdr))
	}
	raw, ok := Find(h.TLVs, TypeSSL)
	if !ok {
		t.Fatal("no SSL TLV")
	}
	out, err := ParseSSL(raw)
	if err != nil {
		t.Fatal(err)
	}
	if out.Client != in.Client || out.Verify != in.Verify || len(out.Sub) != 2 ||
		!bytes.Equal(out.Sub[1].Value, []byte("alice")) || out.Sub[0].Type != SubtypeSSLVersion {
		t.Errorf("got %+v", out)
	}
	for _, bad := range [][]byte{v[:4], v[:7], v[:len(v)-1]} {
		if _, err := ParseSSL(bad); err == nil {
			t.Errorf("%x: no error", bad)
		}
	}
}
