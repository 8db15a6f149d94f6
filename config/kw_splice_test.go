package config

func init() {
	moreKeywordCases = append(moreKeywordCases, func() []kwCase {
		var cases []kwCase
		for _, kw := range []string{"option splice-auto", "option splice-request", "option splice-response"} {
			cases = append(cases,
				kwCase{kw: kw, in: inAll, src: kw, warn: "t.cfg:2: '" + kw + "' has no effect in switchyard (data is copied in user space, never spliced); ignored"},
				kwCase{kw: kw, in: inAll, name: "no", src: "no " + kw},
				kwCase{kw: kw, in: inAll, src: kw + " x", err: "t.cfg:2: '" + kw + "': '" + kw + "' cannot handle unexpected argument 'x'."},
			)
		}
		return cases
	})
}
