package sample

import (
	"net/netip"
	"strings"
	"testing"
)

// noDNS keeps fuzzed host-name patterns off the network.
func noDNS(t testing.TB) {
	saved := resolveHost
	resolveHost = func(string) (netip.Addr, bool) { return netip.Addr{}, false }
	t.Cleanup(func() { resolveHost = saved })
}

func FuzzParseExpr(f *testing.F) {
	seeds := append(append([]string{}, diffExprs...), diffConvExprs...)
	for _, s := range append(seeds, "str(a,b)", "hdr(x,-11)", `str("a\"b')`, "var(txn.x,y),lower,upper",
		"req.hdr(host) lower", "int(9999999999999999999)", "urlp(,)", "path,", "(", "hdr((",
		"req.body,json_query($[9].a[", "str(\\),regsub(\\,\\x,g)", "str(a),field(-9,,,-1)", "str(=),b64dec",
		"req.body,ub64dec,hmac(sha512,txn.x)", "str(1e99999),json_query($,int)", "str(a),set-var(txn.a,ifgt,iflt)") {
		f.Add(s)
	}
	noDNS(f)
	r := parseRaw(diffRequests[0])
	body := rawBody(diffRequests[len(diffRequests)-3])
	f.Fuzz(func(t *testing.T, s string) {
		c := &Ctx{Req: r, Body: body}
		if e, err := ParseExpr(nil, s); err == nil {
			e.Eval(c)
			it := e.Iter()
			for _, ok := it.Next(c); ok; _, ok = it.Next(c) {
			}
		}
		if e, _, err := ParseExprPrefix(nil, s); err == nil {
			e.Eval(c)
		}
		if e, _, err := ParseExprWords(nil, strings.Fields(s)); err == nil {
			e.Eval(c)
		}
	})
}

func FuzzParseCond(f *testing.F) {
	for _, s := range append(diffConds, "if { a", "if }", "if !{ }", "unless { src -n x }", "if { int(1) gt }") {
		f.Add(s)
	}
	noDNS(f)
	acls := NewACLSet(nil)
	for _, line := range diffACLs {
		w := strings.Fields(line)
		acls.Add(w[0], w[1:]) // lines needing pattern files fail; others are enough
	}
	reqs := make([]*testReq, len(diffRequests))
	for i, raw := range diffRequests {
		reqs[i] = parseRaw(raw)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words := strings.Fields(s)
		for _, w := range words {
			if w == "-f" { // reading arbitrary files is not what this is about
				return
			}
		}
		c, err := ParseCond(words, acls)
		if err != nil {
			return
		}
		for _, r := range reqs {
			c.Eval(&Ctx{Req: r})
		}
	})
}
