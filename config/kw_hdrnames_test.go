package config

import "testing"

func init() {
	moreKeywordCases = append(moreKeywordCases, func() []kwCase {
		const kw = "option http-restrict-req-hdr-names"
		policy := func(want HdrNamePolicy) kwCheck {
			return func(t *testing.T, _ *Config, px *Proxy) { eq(t, "RestrictHdrNames", px.RestrictHdrNames, want) }
		}
		return []kwCase{
			{kw: kw, in: inAll, src: kw + " delete", check: policy(HdrNamesDelete)},
			{kw: kw, in: inAll, name: "reject", src: kw + " reject", check: policy(HdrNamesReject)},
			{kw: kw, in: inAll, name: "last wins", src: kw + " reject\n" + kw + " preserve", check: policy(HdrNamesPreserve)},
			{kw: kw, in: inAll, src: kw, err: "t.cfg:2: 'option http-restrict-req-hdr-names': missing parameter. option 'http-restrict-req-hdr-names' expects 'preserve', 'reject' or 'delete' option."},
			{kw: kw, in: inAll, name: "bad policy", src: kw + " drop", err: "t.cfg:2: 'option http-restrict-req-hdr-names': invalid parameter 'drop'. option 'http-restrict-req-hdr-names' expects 'preserve', 'reject' or 'delete' option."},
			{kw: kw, in: inAll, name: "extra", src: kw + " delete x", err: "t.cfg:2: 'option http-restrict-req-hdr-names': 'option' cannot handle unexpected argument 'x'."},
		}
	})
}
