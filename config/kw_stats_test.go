package config

import (
	"testing"
	"time"
)

// Keyword cases of the stats page. Messages follow `haproxy -c` (2.6.12),
// whose words they keep after the keyword.

func init() {
	moreKeywordCases = append(moreKeywordCases, statsKeywordCases)
	for _, sec := range []string{"defaults", "frontend", "backend", "listen"} {
		noRefuse["stats show-desc@"+sec] = "haproxy takes any words as the description, or none"
	}
}

func statsIs(check func(t *testing.T, sp *StatsPage)) kwCheck {
	return func(t *testing.T, _ *Config, px *Proxy) {
		t.Helper()
		if px.Stats == nil {
			t.Fatal("Stats = nil: the page is not enabled")
		}
		check(t, px.Stats)
	}
}

func statsKeywordCases() []kwCase {
	return []kwCase{
		{kw: "stats enable", in: inAll, src: "stats enable", check: statsIs(func(t *testing.T, sp *StatsPage) {
			eq(t, "URI", sp.URI, DefaultStatsURI)
			eq(t, "Realm", sp.Realm, DefaultStatsRealm)
		})},
		{kw: "stats enable", in: inAll, src: "stats enable now", err: "t.cfg:2: 'stats enable': takes no argument"},
		{kw: "stats uri", in: inAll, src: "stats uri /stats", check: statsIs(func(t *testing.T, sp *StatsPage) { eq(t, "URI", sp.URI, "/stats") })},
		{kw: "stats uri", in: inAll, src: "stats uri", err: "t.cfg:2: 'stats uri': needs an URI prefix"},
		{kw: "stats realm", in: inAll, src: `stats realm HAProxy\ Stats`, check: statsIs(func(t *testing.T, sp *StatsPage) { eq(t, "Realm", sp.Realm, "HAProxy Stats") })},
		{kw: "stats realm", in: inAll, src: "stats realm", err: "t.cfg:2: 'stats realm': needs a realm name"},
		{kw: "stats refresh", in: inAll, src: "stats refresh 5s", check: statsIs(func(t *testing.T, sp *StatsPage) { eq(t, "Refresh", sp.Refresh, 5*time.Second) })},
		{kw: "stats refresh", in: inAll, src: "stats refresh", err: "t.cfg:2: 'stats refresh': needs a delay"},
		{kw: "stats auth", in: inAll, src: "stats auth admin:secret", check: statsIs(func(t *testing.T, sp *StatsPage) {
			if sp.Users == nil || !sp.Users.Check("admin", []byte("secret")) || sp.Users.Check("admin", []byte("nope")) {
				t.Error("stats auth admin:secret does not check as it should")
			}
		})},
		{kw: "stats auth", in: inAll, src: "stats auth", err: "t.cfg:2: 'stats auth': needs a user:password account"},
		{kw: "stats scope", in: inAll, src: "stats scope .\nstats scope app", check: statsIs(func(t *testing.T, sp *StatsPage) { eq(t, "Scope", len(sp.Scope), 2) })},
		{kw: "stats scope", in: inAll, src: "stats scope", err: "t.cfg:2: 'stats scope': needs a proxy name"},
		{kw: "stats hide-version", in: inAll, src: "stats hide-version", check: statsIs(func(t *testing.T, sp *StatsPage) { eq(t, "HideVersion", sp.HideVersion, true) })},
		{kw: "stats hide-version", in: inAll, src: "stats hide-version x", err: "t.cfg:2: 'stats hide-version': takes no argument"},
		{kw: "stats show-legends", in: inAll, src: "stats show-legends", check: statsIs(func(t *testing.T, sp *StatsPage) { eq(t, "ShowLegends", sp.ShowLegends, true) })},
		{kw: "stats show-legends", in: inAll, src: "stats show-legends x", err: "t.cfg:2: 'stats show-legends': takes no argument"},
		{kw: "stats show-node", in: inAll, src: "stats show-node lb1", check: statsIs(func(t *testing.T, sp *StatsPage) { eq(t, "Node", sp.Node, "lb1") })},
		{kw: "stats show-node", in: inAll, src: "stats show-node a b", err: "t.cfg:2: 'stats show-node': takes at most one node name"},
		{kw: "stats show-desc", in: inAll, src: "stats show-desc edge one", check: statsIs(func(t *testing.T, sp *StatsPage) { eq(t, "Desc", sp.Desc, "edge one") })},
		{kw: "stats admin", in: []Section{SecFrontend, SecBackend, SecListen}, src: "stats admin if TRUE", check: statsIs(func(t *testing.T, sp *StatsPage) { eq(t, "Admin", len(sp.Admin), 1) })},
		{kw: "stats admin", in: []Section{SecFrontend, SecBackend, SecListen}, src: "stats admin TRUE", err: "t.cfg:2: 'stats admin': requires either 'if' or 'unless' followed by a condition"},
	}
}

func init() {
	otherSideLines["option socket-stats"] = "option socket-stats"
	moreKeywordCases = append(moreKeywordCases, func() []kwCase {
		return []kwCase{
			{kw: "option socket-stats", in: inFESide, src: "option socket-stats", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "SocketStats", px.SocketStats, true) }},
			{kw: "option socket-stats", in: inFESide, name: "no", src: "option socket-stats\nno option socket-stats", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "SocketStats", px.SocketStats, false) }},
			{kw: "option socket-stats", in: []Section{SecBackend}, src: "option socket-stats", warn: "t.cfg:2: 'socket-stats' ignored because backend 'chk' has no frontend capability."},
			{kw: "option socket-stats", in: inAll, src: "option socket-stats 1", err: "t.cfg:2: 'option socket-stats': takes no argument"},
		}
	})
}
