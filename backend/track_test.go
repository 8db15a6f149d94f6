package backend

import "testing"

func tracking(set ServerSettings, track string) ServerSettings {
	set.Track = track
	return set
}

// A chain s1 (agent) <- s3 <- s4 (backup): state and admin changes pass
// down the chain with "via" lines. The lines are haproxy 2.6.12's for the
// same configuration and agent replies.
func TestTrackPropagation(t *testing.T) {
	r := NewRegistry(NewPools())
	s4 := tracking(settings("s4", 4, 1, "127.0.0.1:1"), "be/s3")
	s4.Backup = true
	_, srvs, ll := stageLogged(t, r, BackendSettings{},
		withAgent(settings("s1", 1, 1, "127.0.0.1:1")), settings("s2", 2, 1, "127.0.0.1:1"),
		tracking(settings("s3", 3, 1, "127.0.0.1:1"), "be/s1"), s4)
	s1, s3 := srvs[0], srvs[2]
	if s3.Tracked() != s1 || srvs[3].Tracked() != s3 {
		t.Fatal("tracks not linked")
	}
	agentSays(s1, "up")
	agentSays(s1, "down")
	wantLines(t, ll,
		`alert Server be/s1 is DOWN, reason: Layer7 wrong status, code: 0, info: "via agent : down", check duration: 0ms. 2 active and 1 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`,
		`alert Server be/s3 is DOWN via be/s1. 1 active and 1 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`,
		`alert Backup Server be/s4 is DOWN via be/s3. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`)
	agentSays(s1, "up")
	wantLines(t, ll,
		`notice Server be/s1 is UP, reason: Layer7 check passed, code: 0, info: "via agent : up", check duration: 0ms. 2 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.`,
		`notice Server be/s3 is UP via be/s1. 3 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.`,
		`notice Backup Server be/s4 is UP via be/s3. 3 active and 1 backup servers online. 0 sessions requeued, 0 total in queue.`)
	agentSays(s1, "drain")
	agentSays(s1, "ready")
	wantLines(t, ll,
		`notice Server be/s1 enters drain state. 2 active and 1 backup servers online. 0 sessions requeued, 0 total in queue.`,
		`notice Server be/s3 enters drain state via be/s1. 1 active and 1 backup servers online. 0 sessions requeued, 0 total in queue.`,
		`notice Backup Server be/s4 enters drain state via be/s3. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.`,
		`notice Server be/s1 is UP (leaving forced drain).`,
		`notice Server be/s3 is UP (leaving forced drain).`,
		`notice Backup Server be/s4 is UP (leaving forced drain).`)
	agentSays(s1, "maint")
	if _, adm := s3.State(); adm != AdminIMaint {
		t.Errorf("s3's admin %v, want inherited maintenance", adm)
	}
	agentSays(s1, "ready")
	wantLines(t, ll,
		`alert Server be/s1 is going DOWN for maintenance. 2 active and 1 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`,
		`alert Server be/s3 is going DOWN for maintenance via be/s1. 1 active and 1 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`,
		`alert Backup Server be/s4 is going DOWN for maintenance via be/s3. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`,
		`notice Server be/s1 is UP/READY (leaving forced maintenance).`,
		`notice Server be/s3 is UP/READY (leaving maintenance).`,
		`notice Backup Server be/s4 is UP/READY (leaving maintenance).`)
	// Maintenance over drain: notice, as the servers were stopping.
	agentSays(s1, "drain")
	agentSays(s1, "maint")
	wantLines(t, ll,
		`notice Server be/s1 enters drain state. 2 active and 1 backup servers online. 0 sessions requeued, 0 total in queue.`,
		`notice Server be/s3 enters drain state via be/s1. 1 active and 1 backup servers online. 0 sessions requeued, 0 total in queue.`,
		`notice Backup Server be/s4 enters drain state via be/s3. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.`,
		`notice Server be/s1 is going DOWN for maintenance. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`,
		`notice Server be/s3 is going DOWN for maintenance via be/s1. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`,
		`notice Backup Server be/s4 is going DOWN for maintenance via be/s3. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`)
	agentSays(s1, "maint")
	wantLines(t, ll)
	agentSays(s1, "ready")
	wantLines(t, ll,
		`notice Server be/s1 is UP/READY (leaving forced maintenance).`,
		`notice Server be/s3 is UP/READY (leaving maintenance).`,
		`notice Backup Server be/s4 is UP/READY (leaving maintenance).`)
}

// A tracker has its own forced flags: its tracked server leaving
// maintenance leaves it in its own ("remains in forced maintenance").
func TestTrackOwnMaintenance(t *testing.T) {
	r := NewRegistry(NewPools())
	_, srvs, ll := stageLogged(t, r, BackendSettings{},
		withAgent(settings("s1", 1, 1, "127.0.0.1:1")),
		withAgent(tracking(settings("s2", 2, 1, "127.0.0.1:1"), "be/s1")))
	s1, s2 := srvs[0], srvs[1]
	agentSays(s1, "maint")
	agentSays(s2, "maint")
	ll.take()
	agentSays(s1, "ready")
	wantLines(t, ll,
		`notice Server be/s1 is UP/READY (leaving forced maintenance).`,
		`notice Server be/s2 remains in forced maintenance.`)
	if s2.Up() {
		t.Fatal("the tracker left its own maintenance")
	}
	agentSays(s2, "ready")
	if !s2.Usable() {
		t.Fatal("the tracker did not come back")
	}
}

// Tracking across backends, and a reload: a new tracker takes the state
// of the server it tracks, silently; one that stops tracking is freed.
func TestTrackReload(t *testing.T) {
	r := NewRegistry(NewPools())
	g := r.Stage()
	chk := checked("s1", 1, 1, 1)
	if _, _, err := g.Backend("a", BackendSettings{Kind: "backend", Log: func(int, string) {}}, []ServerSettings{chk}); err != nil {
		t.Fatal(err)
	}
	_, bs, err := g.Backend("b", BackendSettings{Kind: "backend", Log: func(int, string) {}}, []ServerSettings{settings("t", 1, 1, "127.0.0.1:1")})
	if err != nil {
		t.Fatal(err)
	}
	g.Commit()
	t.Cleanup(r.Close)
	s1 := r.Server("a", "s1")
	s1.checkResult(refused)
	// Reload: b/t now tracks a/s1, which is down.
	g = r.Stage()
	g.Backend("a", BackendSettings{Kind: "backend", Log: func(int, string) {}}, []ServerSettings{checked("s1", 1, 1, 1)})
	g.Backend("b", BackendSettings{Kind: "backend", Log: func(int, string) {}}, []ServerSettings{tracking(settings("t", 1, 1, "127.0.0.1:1"), "a/s1")})
	g.Commit()
	tr := bs[0]
	if tr.Up() || tr.Tracked() != s1 {
		t.Fatal("a new tracker of a down server is up")
	}
	s1.checkResult(ok200)
	if !tr.Usable() {
		t.Fatal("the tracker did not follow its server up")
	}
	s1.checkResult(refused)
	// Reload: b/t no longer tracks.
	g = r.Stage()
	g.Backend("a", BackendSettings{Kind: "backend", Log: func(int, string) {}}, []ServerSettings{checked("s1", 1, 1, 1)})
	g.Backend("b", BackendSettings{Kind: "backend", Log: func(int, string) {}}, []ServerSettings{settings("t", 1, 1, "127.0.0.1:1")})
	g.Commit()
	if !tr.Usable() || tr.Tracked() != nil || len(s1.trackerList()) != 0 {
		t.Fatal("a server that stopped tracking is still held down")
	}
}

// Servers added at runtime with track (`add server … track`): each joins
// the head of the tracked server's list, as haproxy's srv_apply_track, so
// changes reach the newest first; a deleted one leaves the list; the
// tracked server can no longer be deleted, even once its trackers are
// gone. The sequence is haproxy's reg-test server/cli_add_track_server.
func TestTrackDynamic(t *testing.T) {
	r := NewRegistry(NewPools())
	b, srvs, ll := stageLogged(t, r, BackendSettings{}, withAgent(settings("srv", 1, 1, "127.0.0.1:1")))
	srv := srvs[0]
	var added []*Server
	for _, name := range []string{"d1", "d2", "d3"} {
		s, err := b.AddServer(tracking(settings(name, 0, 1, "127.0.0.1:1"), "be/srv"))
		if err != nil {
			t.Fatal(err)
		}
		if s.Tracked() != srv {
			t.Fatalf("%s tracks %v", name, s.Tracked())
		}
		s.SetReady()
		added = append(added, s)
	}
	wantLines(t, ll,
		`notice Server be/d1 is UP/READY (leaving forced maintenance).`,
		`notice Server be/d2 is UP/READY (leaving forced maintenance).`,
		`notice Server be/d3 is UP/READY (leaving forced maintenance).`)
	srv.SetMaint()
	wantLines(t, ll,
		`alert Server be/srv is going DOWN for maintenance. 3 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`,
		`alert Server be/d3 is going DOWN for maintenance via be/srv. 2 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`,
		`alert Server be/d2 is going DOWN for maintenance via be/srv. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`,
		`alert Server be/d1 is going DOWN for maintenance via be/srv. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`,
		`emerg backend be has no server available!`)
	// In inherited maintenance, a tracker can be deleted.
	if err := b.DelServer("d1"); err != nil {
		t.Fatal(err)
	}
	if l := srv.trackerList(); len(l) != 2 || l[0] != added[2] || l[1] != added[1] {
		t.Fatalf("trackers %v", l)
	}
	srv.SetReady()
	wantLines(t, ll,
		`notice Server be/srv is UP/READY (leaving forced maintenance).`,
		`notice Server be/d3 is UP/READY (leaving maintenance).`,
		`notice Server be/d2 is UP/READY (leaving maintenance).`)
	// A tracked server cannot be deleted, even once nothing tracks it.
	for _, d := range added[1:] {
		d.SetMaint()
		if err := b.DelServer(d.Name); err != nil {
			t.Fatal(err)
		}
	}
	if len(srv.trackerList()) != 0 {
		t.Fatal("deleted trackers are still listed")
	}
	ll.take()
	srv.SetMaint()
	wantLines(t, ll,
		`alert Server be/srv is going DOWN for maintenance. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`,
		`emerg backend be has no server available!`)
	if err := b.DelServer("srv"); err == nil || err.Error() != "This server cannot be removed at runtime due to other configuration elements pointing to it." {
		t.Fatalf("del of a server tracked at runtime: %v", err)
	}
}

// A server added with track follows its server from then on: enabled while
// that server is down, it stays down, and comes up with it. It does not
// take the tracked server's maintenance when added (as haproxy 2.6.12:
// enabled then, it is DOWN until the tracked server goes down and up).
func TestTrackDynamicState(t *testing.T) {
	r := NewRegistry(NewPools())
	b, srvs, ll := stageLogged(t, r, BackendSettings{},
		withAgent(settings("srv", 1, 1, "127.0.0.1:1")), withAgent(settings("m", 2, 1, "127.0.0.1:1")))
	srv, m := srvs[0], srvs[1]
	agentSays(srv, "down")
	m.SetMaint()
	d, err := b.AddServer(tracking(settings("d", 0, 1, "127.0.0.1:1"), "be/srv"))
	if err != nil {
		t.Fatal(err)
	}
	dm, err := b.AddServer(tracking(settings("dm", 0, 1, "127.0.0.1:1"), "be/m"))
	if err != nil {
		t.Fatal(err)
	}
	ll.take()
	d.SetReady()
	dm.SetReady()
	wantLines(t, ll,
		`notice Server be/d is DOWN/READY (leaving forced maintenance).`,
		`notice Server be/dm is DOWN/READY (leaving forced maintenance).`)
	if _, adm := dm.State(); adm != 0 {
		t.Errorf("dm's admin %v, want none", adm)
	}
	agentSays(srv, "up")
	if !d.Usable() {
		t.Fatal("the tracker did not follow its server up")
	}
	m.SetReady()
	if dm.Up() {
		t.Fatal("dm came up with its server's leaving maintenance, which haproxy does not pass on")
	}
}
