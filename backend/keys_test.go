package backend

import (
	"net/netip"
	"testing"
)

func TestURIKey(t *testing.T) {
	tests := []struct {
		a    Algorithm
		uri  string
		want string
	}{
		{Algorithm{}, "/a/b?x=1", "/a/b"},
		{Algorithm{}, "/a/b", "/a/b"},
		{Algorithm{}, "?x", ""},
		{Algorithm{URIWhole: true}, "/a/b?x=1", "/a/b?x=1"},
		{Algorithm{URILen: 3}, "/abcdef", "/ab"},
		{Algorithm{URILen: 10}, "/ab?cdef", "/ab"},
		{Algorithm{URILen: 5, URIWhole: true}, "/ab?cdef", "/ab?c"},
		{Algorithm{URIDepth: 1}, "/a/b/c", "/a"},
		{Algorithm{URIDepth: 2}, "/a/b/c", "/a/b"},
		{Algorithm{URIDepth: 2}, "/a/b", "/a/b"},
		{Algorithm{URIDepth: 2}, "/a?b/c/d", "/a"},
		{Algorithm{URIDepth: 2, URIWhole: true}, "/a?b/c/d", "/a?b/c"},
		// Slashes of the scheme count, as in haproxy.
		{Algorithm{URIDepth: 2}, "http://h/a/b", "http://h"},
		{Algorithm{}, "http://h/a/b?q", "http://h/a/b"},
		{Algorithm{URIPathOnly: true}, "http://h:80/a/b?q", "/a/b"},
		{Algorithm{URIPathOnly: true, URIWhole: true}, "https://u@h/a?q", "/a?q"},
		{Algorithm{URIPathOnly: true, URIDepth: 1}, "http://h/a/b", "/a"},
		{Algorithm{URIPathOnly: true}, "/a/b?q", "/a/b"},
		{Algorithm{URIPathOnly: true}, "http://h", ""},
		{Algorithm{URIPathOnly: true}, "h:443", ""},
		{Algorithm{URIPathOnly: true}, "*", ""},
		{Algorithm{URIPathOnly: true}, "1http://h/a", ""},
		{Algorithm{URIPathOnly: true, URILen: 2}, "http://h/abc", "/a"},
	}
	for _, tc := range tests {
		if got := string(tc.a.uriKey([]byte(tc.uri))); got != tc.want {
			t.Errorf("%+v %q: got %q, want %q", tc.a, tc.uri, got, tc.want)
		}
	}
}

func TestURLParamValue(t *testing.T) {
	tests := []struct {
		uri, name string
		want      string
		ok        bool
	}{
		{"/?id=1", "id", "1", true},
		{"/x?a=1&id=22&b=3", "id", "22", true},
		{"/x?id=", "id", "", true},
		{"/x?id", "id", "", false},
		{"/x?xid=3&id=9", "id", "9", true},
		{"/x?idx=3", "id", "", false},
		{"/x?ID=3", "id", "", false},
		{"/x?id=1&id=2", "id", "1", true},
		{"/x?id=1#f", "id", "1#f", true},
		{"/x?a?id=1", "id", "", false},
		{"/x?a&id=1", "id", "1", true},
		{"/id=1", "id", "", false},
		{"/x?&&id=q", "id", "q", true},
		{"http://h/x?id=7", "id", "7", true},
	}
	for _, tc := range tests {
		v, ok := urlParamValue([]byte(tc.uri), tc.name)
		if ok != tc.ok || string(v) != tc.want {
			t.Errorf("%q %q: got %q %v, want %q %v", tc.uri, tc.name, v, ok, tc.want, tc.ok)
		}
	}
}

func TestHeaderValue(t *testing.T) {
	tests := []struct {
		headers []string
		want    string
		ok      bool
	}{
		{[]string{"X-Key: abc"}, "abc", true},
		{[]string{"x-key: abc"}, "abc", true},
		{[]string{"X-KEY: a b "}, "a b", true},
		{[]string{"X-Key: foo, bar"}, "foo", true},
		{[]string{`X-Key: "a,b",c`}, `"a,b"`, true},
		{[]string{`X-Key: "a\",b",c`}, `"a\",b"`, true},
		{[]string{"X-Key: ", "X-Key: second"}, "", false},
		{[]string{"X-Key: ,x"}, "", false},
		{[]string{"Other: 1", "X-Key: 2", "X-Key: 3"}, "2", true},
		{[]string{"X-Keys: 1"}, "", false},
		{nil, "", false},
	}
	for _, tc := range tests {
		v, ok := headerValue(newTestRequest("/", tc.headers...), "X-Key")
		if ok != tc.ok || string(v) != tc.want {
			t.Errorf("%q: got %q %v, want %q %v", tc.headers, v, ok, tc.want, tc.ok)
		}
	}
}

func TestDomainOnly(t *testing.T) {
	tests := []struct{ in, want string }{
		{"www.example.com", "example"},
		{"example.com", "example"},
		{"a.b.c.d", "c"},
		{"localhost", "localhost"},
		{"example.com:8080", "example"},
		{"example.com.", "com"},
		{"a..b", "a."},
		{".com", ".com"},
		{"a.com", "a"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := string(domainOnly([]byte(tc.in))); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSourceHash(t *testing.T) {
	tests := []struct {
		addr string
		want uint32
		ok   bool
	}{
		{"127.0.0.1", 0x7f000001, true},
		{"10.1.2.3", 0x0a010203, true},
		{"::1", 1, true},
		{"2001:db8::1:0:0:2", 0x20010db8 ^ 0 ^ 0x00010000 ^ 2, true},
		// A dual-stack socket's IPv4 client: hashed as IPv6, like haproxy.
		{"::ffff:127.0.0.1", 0xffff ^ 0x7f000001, true},
		{"fe80::1%eth0", 0xfe800000 ^ 1, true},
	}
	for _, tc := range tests {
		h, ok := sourceHash(netip.MustParseAddr(tc.addr))
		if h != tc.want || ok != tc.ok {
			t.Errorf("%s: got %#x %v, want %#x %v", tc.addr, h, ok, tc.want, tc.ok)
		}
	}
	if _, ok := sourceHash(netip.Addr{}); ok {
		t.Error("the zero Addr has no hash")
	}
}
