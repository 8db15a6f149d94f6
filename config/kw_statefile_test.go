package config

import "testing"

// Keyword cases of server state files; messages after haproxy's -c.
func init() {
	moreKeywordCases = append(moreKeywordCases, func() []kwCase {
		return []kwCase{
			{kw: "server-state-file", in: inGlobal, src: "server-state-file /var/lib/sy/state", check: func(t *testing.T, c *Config, _ *Proxy) {
				eq(t, "File", StateFileOf(&c.Global).File, "/var/lib/sy/state")
			}},
			{kw: "server-state-file", in: inGlobal, src: "server-state-file", err: "t.cfg:2: 'server-state-file': expect one argument: a file path"},
			{kw: "server-state-base", in: inGlobal, src: "server-state-base /var/lib/sy", check: func(t *testing.T, c *Config, _ *Proxy) {
				eq(t, "Base", StateFileOf(&c.Global).Base, "/var/lib/sy")
			}},
			{kw: "server-state-base", in: inGlobal, src: "server-state-base", err: "t.cfg:2: 'server-state-base': expects one argument: a directory path"},
			{kw: "load-server-state-from-file", in: inBESide, src: "load-server-state-from-file local", check: func(t *testing.T, c *Config, px *Proxy) {
				eq(t, "path", StateFilePath(&c.Global, px), px.Name)
			}},
			{kw: "load-server-state-from-file", in: inBESide, src: "load-server-state-from-file foo",
				err: "t.cfg:2: 'load-server-state-from-file': expects 'global', 'local' or 'none'. Got 'foo'"},
			{kw: "server-state-file-name", in: []Section{SecBackend, SecListen}, src: "load-server-state-from-file local\nserver-state-file-name st/app", check: func(t *testing.T, c *Config, px *Proxy) {
				eq(t, "path", StateFilePath(&c.Global, px), "st/app")
			}},
			{kw: "server-state-file-name", in: []Section{SecBackend, SecListen}, src: "server-state-file-name a b",
				err: "t.cfg:2: 'server-state-file-name': cannot handle unexpected argument 'b'."},
		}
	})
}

// A relative file is under server-state-base; global uses the global file.
func TestStateFilePath(t *testing.T) {
	cfg, _, errs := load(t, "global\n server-state-base /base\n server-state-file all\nbackend b\n load-server-state-from-file global\nbackend c\n load-server-state-from-file local\nbackend d\n")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for i, want := range []string{"/base/all", "/base/c", ""} {
		if got := StateFilePath(&cfg.Global, cfg.Proxies[i]); got != want {
			t.Errorf("%s: %q, want %q", cfg.Proxies[i].Name, got, want)
		}
	}
}

// With a stats socket, haproxy's CLI proxy takes id 1: the first section
// is 2 (fe_id, the stats' iid), as haproxy numbers them.
func TestStatsSocketTakesFirstProxyID(t *testing.T) {
	cfg, _, errs := load(t, "global\n stats socket /tmp/never-bound.sock\nfrontend f\nbackend b\n")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if cfg.Proxies[0].ID != 2 || cfg.Proxies[1].ID != 3 {
		t.Errorf("ids %d %d, want 2 3 as haproxy", cfg.Proxies[0].ID, cfg.Proxies[1].ID)
	}
}
