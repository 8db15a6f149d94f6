package admin

import (
	"testing"

	"switchyard/stats"
)

// A server added with `track` follows the server it tracks: traffic
// reaches it once enabled, leaves it while the tracked server is in
// maintenance (MAINT via the tracked one), comes back with it. The
// tracked server can no longer be deleted, even once its tracker is.
func TestAddServerTrack(t *testing.T) {
	one, two, three := origin(t, "one"), origin(t, "two"), origin(t, "three")
	// s1's agent cannot be reached (agent-port 1): that changes nothing,
	// s1 stays up.
	a, fe := start(t, `
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind {FE}
    default_backend app
backend app
    balance roundrobin
    server s1 {S1} agent-check agent-addr 127.0.0.1 agent-port 1 agent-inter 1h
    server s2 {S2}
`, "S1", one, "S2", two)
	if err := a.AddServer(Admin, "app", "s9", []string{three, "track", "s2"}); err == nil ||
		err.Error() != "unable to use app/s2 for tracking as it does not have any check nor agent enabled.\n" {
		t.Fatalf("tracking an unchecked server: %v", err)
	}
	if err := a.AddServer(Admin, "app", "s9", []string{three, "track", "s1"}); err != nil {
		t.Fatal(err)
	}
	if err := a.AddServer(Admin, "app", "s10", []string{three, "track", "s9"}); err == nil ||
		err.Error() != "unable to use app/s9 for tracking as it is a dynamic server.\n" {
		t.Fatalf("tracking a dynamic server: %v", err)
	}
	if err := a.EnableServer(Admin, "app", "s9"); err != nil {
		t.Fatal(err)
	}
	seen := func() map[string]int {
		m := map[string]int{}
		for range 6 {
			_, body := get(t, fe, "/")
			m[body]++
		}
		return m
	}
	if m := seen(); m["three"] == 0 {
		t.Fatalf("the enabled tracker got no traffic: %v", m)
	}
	if err := a.DisableServer(Admin, "app", "s1"); err != nil {
		t.Fatal(err)
	}
	if st := row(t, a.Stats(AllStats), "app", "s9").Fields[stats.FStatus].Str; st != "MAINT (via app/s1)" {
		t.Fatalf("the tracker is %q, want MAINT (via app/s1)", st)
	}
	if m := seen(); m["two"] != 6 {
		t.Fatalf("servers in maintenance got traffic: %v", m)
	}
	if err := a.EnableServer(Admin, "app", "s1"); err != nil {
		t.Fatal(err)
	}
	if m := seen(); m["three"] == 0 || m["one"] == 0 {
		t.Fatalf("the tracker did not come back with its server: %v", m)
	}
	if err := a.DisableServer(Admin, "app", "s1"); err != nil {
		t.Fatal(err)
	}
	const pinned = "This server cannot be removed at runtime due to other configuration elements pointing to it."
	if err := a.DelServer(Admin, "app", "s1"); err == nil || err.Error() != pinned {
		t.Fatalf("del of a tracked server: %v", err)
	}
	if err := a.DelServer(Admin, "app", "s9"); err != nil {
		t.Fatal(err)
	}
	if err := a.DelServer(Admin, "app", "s1"); err == nil || err.Error() != pinned {
		t.Fatalf("del of a server once tracked: %v", err)
	}
}
