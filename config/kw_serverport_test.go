package config

func init() {
	moreKeywordCases = append(moreKeywordCases, func() []kwCase {
		return []kwCase{
			// haproxy accepts a checked server without a port when it has
			// no address either (its checks fail until one is set).
			{kw: "server", in: inBE, name: "unset address checked", src: "server s1 0.0.0.0 check"},
			{kw: "server", in: inBE, name: "empty address checked", src: "server s1 : check"},
		}
	})
}
