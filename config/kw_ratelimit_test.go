package config

import "testing"

func init() {
	moreKeywordCases = append(moreKeywordCases, func() []kwCase {
		return []kwCase{
			{kw: "maxconnrate", in: inGlobal, src: "maxconnrate 100", check: func(t *testing.T, c *Config, _ *Proxy) { eq(t, "Conns", RateLimitsOf(&c.Global).Conns, 100) }},
			{kw: "maxconnrate", in: inGlobal, src: "maxconnrate", err: "t.cfg:2: 'maxconnrate': expects an integer argument"},
			{kw: "maxsessrate", in: inGlobal, src: "maxsessrate 50", check: func(t *testing.T, c *Config, _ *Proxy) { eq(t, "Sessions", RateLimitsOf(&c.Global).Sessions, 50) }},
			{kw: "maxsessrate", in: inGlobal, src: "maxsessrate x", err: "t.cfg:2: 'maxsessrate': expects an integer argument"},
		}
	})
}
