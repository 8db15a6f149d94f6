package config

func init() {
	moreKeywordCases = append(moreKeywordCases, func() []kwCase {
		const kw = "http-request reject"
		return []kwCase{
			{kw: kw, in: inNamed, src: "mode http\n" + kw + " if { path /x }"},
			{kw: kw, in: inNamed, src: "mode http\n" + kw + " x", err: "t.cfg:3: 'http-request reject': unexpected 'x', expects 'if' or 'unless' followed by a condition"},
		}
	})
}
