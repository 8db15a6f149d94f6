package stick

import (
	"bytes"
	"errors"
	"testing"
)

// Keys typed on the CLI read as haproxy 2.6 reads them (the runtime
// API's differential test checks the same against haproxy itself).
func TestParseCLIKey(t *testing.T) {
	ip := &Spec{Type: KeyIP, KeySize: 4}
	ip6 := &Spec{Type: KeyIPv6, KeySize: 16}
	num := &Spec{Type: KeyInteger, KeySize: 4}
	str := &Spec{Type: KeyString, KeySize: 5}
	bin := &Spec{Type: KeyBinary, KeySize: 4}
	for _, tc := range []struct {
		s    *Spec
		in   string
		want []byte
		err  error
	}{
		{ip, "10.1.2.3", []byte{10, 1, 2, 3}, nil},
		{ip, "foo", []byte{0, 0, 0, 0}, nil},
		{ip, "1.2", []byte{1, 2, 0, 0}, nil},
		{ip, "1.300.0.1", []byte{2, 44, 0, 1}, nil},
		{ip, "256.1.1.1", []byte{0, 1, 1, 1}, nil},
		{ip, "1234.5.6.7", []byte{234, 5, 6, 7}, nil},
		{ip, "10.0.0.1.5", []byte{10, 0, 0, 1}, nil},
		{ip, "192.168.0.010", []byte{192, 168, 0, 10}, nil},
		{ip, "1..2", []byte{1, 0, 2, 0}, nil},
		{ip6, "::1", append(make([]byte, 15), 1), nil},
		{ip6, "1.2.3.4", nil, ErrCLIKeyInvalid},
		{ip6, "fe80::1%lo", nil, ErrCLIKeyInvalid},
		{num, "256", []byte{0, 0, 1, 0}, nil},
		{num, "12abc", []byte{0, 0, 0, 12}, nil},
		{num, "+7", []byte{0, 0, 0, 7}, nil},
		{num, "-0", []byte{0, 0, 0, 0}, nil},
		{num, "4294967295", []byte{255, 255, 255, 255}, nil},
		{num, "-18446744073709551611", []byte{0, 0, 0, 5}, nil},
		{num, "-1", nil, ErrCLIKeyInvalid},
		{num, "4294967296", nil, ErrCLIKeyInvalid},
		{num, "99999999999999999999999", nil, ErrCLIKeyInvalid},
		{num, "abc", nil, ErrCLIKeyInvalid},
		{str, "abcdefg", []byte("abcd"), nil},
		{str, "ab", []byte("ab"), nil},
		{str, "a\x00b", []byte("a"), nil},
		{bin, "00", nil, ErrCLIKeyType},
	} {
		got, err := tc.s.ParseCLIKey(tc.in)
		if !errors.Is(err, tc.err) || !bytes.Equal(got, tc.want) {
			t.Errorf("%s %q: got % x, %v; want % x, %v", tc.s.Type, tc.in, got, err, tc.want, tc.err)
		}
	}
}

// Integer keys list in haproxy's order: its tree compares the keys'
// bytes in host (little-endian) order.
func TestIntegerKeyOrder(t *testing.T) {
	tb := New(Spec{Name: "t", Type: KeyInteger, KeySize: 4, Size: 10})
	num := tb.Spec()
	for _, k := range []string{"1", "2", "256", "65536", "3"} {
		key, _ := num.ParseCLIKey(k)
		tb.Peek(key)
	}
	var got []byte
	for _, e := range tb.Entries() {
		got = num.AppendKey(append(got, ' '), e.Key())
	}
	if string(got) != " 65536 256 1 2 3" {
		t.Errorf("order:%s", got)
	}
}

// ClearCLI spares an entry whose successor is tracked, as haproxy 2.6's
// walk does, and never one that is tracked.
func TestClearCLI(t *testing.T) {
	tb := New(Spec{Name: "t", Type: KeyInteger, KeySize: 4, Size: 10})
	keys := map[string][]byte{}
	for _, k := range []string{"1", "2", "3", "4"} {
		keys[k], _ = tb.Spec().ParseCLIKey(k)
		tb.Peek(keys[k])
	}
	e := tb.Get(keys["3"])
	defer e.Release()
	if n := tb.ClearCLI(nil); n != 2 {
		t.Errorf("cleared %d, want 2 (1 and 4)", n)
	}
	for k, want := range map[string]bool{"1": false, "2": true, "3": true, "4": false} {
		if got := tb.Lookup(keys[k]) != nil; got != want {
			t.Errorf("key %s present: %v, want %v", k, got, want)
		}
	}
}

func TestServerNameAlias(t *testing.T) {
	if d, ok := LookupDataType("server_name"); !ok || d != DTServerKey {
		t.Errorf("server_name: %v %v", d, ok)
	}
}
