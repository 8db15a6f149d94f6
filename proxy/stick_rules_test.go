package proxy

import (
	"fmt"
	"strings"
	"testing"

	"switchyard/backend"
	"switchyard/stick"
)

func TestServerAddrKey(t *testing.T) {
	for _, c := range []struct {
		set  backend.ServerSettings
		want string
		ok   bool
	}{
		{backend.ServerSettings{Name: "a", Addr: "192.0.2.1:8080"}, "192.0.2.1:8080", true},
		// haproxy prints IPv6 without brackets (sa2str).
		{backend.ServerSettings{Name: "b", Addr: "[2001:db8::1]:80"}, "2001:db8::1:80", true},
		{backend.ServerSettings{Name: "c", Addr: "[::ffff:192.0.2.3]:80"}, "192.0.2.3:80", true},
		// A server without port takes the client's: haproxy's "+0".
		{backend.ServerSettings{Name: "d", Addr: "192.0.2.4:0", MapPorts: true}, "192.0.2.4:+0", true},
		{backend.ServerSettings{Name: "e", Transparent: true}, "", false},
	} {
		got, ok := serverAddrKey(backend.NewServer(c.set), nil)
		if string(got) != c.want || ok != c.ok {
			t.Errorf("%s: %q %v, want %q %v", c.set.Addr, got, ok, c.want, c.ok)
		}
	}
}

// TestIntegrationStickStoreLimit: a stream stores under at most 8 keys,
// haproxy's limit; the rules past it store nothing.
func TestIntegrationStickStoreLimit(t *testing.T) {
	t.Parallel()
	a := stickOrigin(t, "a")
	fe := itAddr(t)
	var rules, tables strings.Builder
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&rules, "    stick store-request src table t%d\n", i)
		fmt.Fprintf(&tables, "backend t%d\n    stick-table type ip size 10\n", i)
	}
	rt := itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    default_backend app
backend app
`+rules.String()+`    server a {A}
`+tables.String(), "FE", fe, "A", a.addr))
	if got := stickGet(t, fe, "/"); got != "a" {
		t.Fatal(got)
	}
	for i := 1; i <= 9; i++ {
		n := stickTable(t, rt, fmt.Sprintf("t%d", i)).Len()
		if want := map[bool]int{true: 1, false: 0}[i <= 8]; n != want {
			t.Errorf("t%d holds %d entries, want %d", i, n, want)
		}
	}
	if e := stickTable(t, rt, "t1").Lookup([]byte{127, 0, 0, 1}); e == nil {
		t.Fatal("no entry in t1")
	} else if id, _ := e.Read(stick.DTServerID, 0); id != 1 {
		t.Fatalf("server_id %d", id)
	}
}
