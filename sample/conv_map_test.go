package sample

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mapFiles are the maps of the map differential test, in @DIR@.
var mapFiles = map[string]string{
	// duplicate keys (the first wins), a key without value, blanks
	// around and inside the value, comments, CRLF
	"str.map": "# comment\na first\na second\n  b   spaced  value  \t\nc\nA upper\r\nlong  v\n",
	// longest prefix wins, whatever the order
	"beg.map": "/api api\n/api/v2/x v2x\n/ root\n/api/v2 v2\n/api dup\n",
	"sub.map": "b first-b\nab ab\nc c\n",
	"dom.map": "example.com ex\nwww www\ncom com\n",
	"dir.map": "img img\nstatic/img static-img\na a\n",
	"end.map": ".com com\nexample.com example\n.org org\n",
	"reg.map": "^/user/[0-9]+$ user\n^/u first-u\n.* any\n",
	"int.map": "1:10 low\n5 five\n20: high\n-3 minus\n",
	// most specific network wins, whatever the order; duplicates keep
	// the first
	"ip.map": "10.0.0.0/8 ten\n10.1.2.3 host\n10.1.0.0/16 ten-one\n10.1.0.0/16 dup\n" +
		"192.168.0.0/255.255.0.0 dotted\n::1 v6-lo\n2001:db8::/32 doc\n2001:db8:1::/48 doc1\n",
	"int_out.map": "a 1\nb -5\nc +7\nd\ne 99999999999999999999\nf -99999999999999999999\n",
	"ip_out.map":  "a 10.0.0.1\nb ::1\nc 2001:db8::5\n",
	"regm.map":    "^/user/([0-9]+)/(.*)$ uid=\\1&rest=\\2&all=\\0&none=\\5\n^/hex \\x41\\x62\n",
	"ip_int.map":  "10.0.0.0/8 8\n10.1.2.3 32\n",
	"dom.lst":     "EXAMPLE.com\n",
}

// mapExprs are map expressions whose values must agree with haproxy's.
var mapExprs = []string{
	"str(a),map(@DIR@/str.map)", "str(a),map_str(@DIR@/str.map,dflt)", "str(b),map(@DIR@/str.map)",
	"str(c),map(@DIR@/str.map,dflt)", "str(A),map(@DIR@/str.map)", "str(z),map(@DIR@/str.map,dflt)",
	"str(z),map(@DIR@/str.map)", "str(long),map(@DIR@/str.map)", "str(a),map_str(@DIR@/str.map),upper",
	"path,map_beg(@DIR@/beg.map,none)", "str(/api/v2/xyz),map_beg(@DIR@/beg.map)",
	"str(/api/v2),map_beg(@DIR@/beg.map)", "str(/api/v3),map_beg(@DIR@/beg.map)", "str(/x),map_beg(@DIR@/beg.map)",
	"str(),map_beg(@DIR@/beg.map,none)", "str(abc),map_sub(@DIR@/sub.map,none)", "str(xabx),map_sub(@DIR@/sub.map)",
	"str(www.example.com),map_dom(@DIR@/dom.map)", "str(www.foo.com),map_dom(@DIR@/dom.map)",
	"str(wwwx.foo.org),map_dom(@DIR@/dom.map,none)", "str(/static/img/a.png),map_dir(@DIR@/dir.map)",
	"str(/x/img/a),map_dir(@DIR@/dir.map)", "str(/a/b),map_dir(@DIR@/dir.map)", "str(/imgx),map_dir(@DIR@/dir.map,none)",
	"str(www.example.com),map_end(@DIR@/end.map)", "str(x.org),map_end(@DIR@/end.map)", "str(x.net),map_end(@DIR@/end.map,no)",
	"str(/user/12),map_reg(@DIR@/reg.map)", "str(/user/12/x),map_reg(@DIR@/reg.map)", "str(/zz),map_reg(@DIR@/reg.map)",
	"int(5),map_int(@DIR@/int.map)", "int(15),map_int(@DIR@/int.map,none)", "int(25),map_int(@DIR@/int.map)",
	"int(-3),map_int(@DIR@/int.map)", "str(7),map_int(@DIR@/int.map)", "int(0),map_int(@DIR@/int.map,none)",
	"str(10.1.2.3),map_ip(@DIR@/ip.map)", "str(10.1.2.4),map_ip(@DIR@/ip.map)", "str(10.2.0.1),map_ip(@DIR@/ip.map)",
	"str(11.0.0.1),map_ip(@DIR@/ip.map,none)", "str(192.168.4.4),map_ip(@DIR@/ip.map)", "str(::1),map_ip(@DIR@/ip.map)",
	"str(::ffff:10.1.2.3),map_ip(@DIR@/ip.map)", "str(2001:db8:1::7),map_ip(@DIR@/ip.map)",
	"str(2001:db8:2::7),map_ip(@DIR@/ip.map)", "src,map_ip(@DIR@/ip.map,none)", "ipv4(10.1.9.9),map_ip(@DIR@/ip.map)",
	"int(167837955),map_ip(@DIR@/ip.map)", "str(nope),map_ip(@DIR@/ip.map,none)",
	"str(a),map_str_int(@DIR@/int_out.map)", "str(b),map_str_int(@DIR@/int_out.map)", "str(c),map_str_int(@DIR@/int_out.map)",
	"str(d),map_str_int(@DIR@/int_out.map)", "str(e),map_str_int(@DIR@/int_out.map)", "str(f),map_str_int(@DIR@/int_out.map)",
	"str(z),map_str_int(@DIR@/int_out.map,-42)", "str(a),map_str_int(@DIR@/int_out.map),add(1)",
	"str(a),map_str_ip(@DIR@/ip_out.map)", "str(b),map_str_ip(@DIR@/ip_out.map)", "str(c),map_str_ip(@DIR@/ip_out.map)",
	"str(z),map_str_ip(@DIR@/ip_out.map,1.2.3.4)", "str(z),map_str_ip(@DIR@/ip_out.map,::2)",
	"str(10.1.2.3),map_ip_int(@DIR@/ip_int.map,3)", "str(10.9.2.3),map_ip_int(@DIR@/ip_int.map,3)", "str(b),map_beg_ip(@DIR@/ip_out.map)",
	"str(/user/12/x/y),map_regm(@DIR@/regm.map)", "str(/hex),map_regm(@DIR@/regm.map)",
	"str(/nope),map_regm(@DIR@/regm.map,dflt)",
}

// mapConds are ACLs on pattern files, with -i and the match methods.
var mapConds = []string{
	"if { str(www.EXAMPLE.com) -i -m dom -f @DIR@/dom.lst }",
	"if { str(www.EXAMPLE.com) -m dom -f @DIR@/dom.lst }",
	"if { str(EXAMPLE.COM) -i -f @DIR@/dom.lst }",
	"if { str(example.com) -f @DIR@/dom.lst }",
}

// TestMapDifferential compares the map converters with haproxy's.
func TestMapDifferential(t *testing.T) {
	dir := t.TempDir()
	for name, content := range mapFiles {
		writeFile(t, filepath.Join(dir, name), content)
	}
	subst := func(in []string) []string {
		out := make([]string, len(in))
		for i, s := range in {
			out[i] = strings.ReplaceAll(s, "@DIR@", dir)
		}
		return out
	}
	exprTexts, condTexts := subst(mapExprs), subst(mapConds)
	// add() is not ours: leave it out of our side's expressions.
	env := &Env{Patterns: NewPatternRefs()}
	exprs := make([]*Expr, len(exprTexts))
	for i, s := range exprTexts {
		e, err := ParseExpr(env, strings.TrimSuffix(s, ",add(1)"))
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		exprs[i] = e
	}
	acls := NewACLSet(env)
	conds := make([]*Cond, len(condTexts))
	for i, s := range condTexts {
		c, err := ParseCond(strings.Fields(s), acls)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		conds[i] = c
	}
	o := startHAProxy(t, nil, condTexts, exprTexts)
	for _, raw := range []string{
		"GET /api/v2/items HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET /apix HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET /other HTTP/1.1\r\nHost: a\r\n\r\n",
	} {
		want, wantVals, src, dst := o.ask(t, raw)
		c := &Ctx{Req: parseRaw(raw), Src: src, Dst: dst}
		for i, cond := range conds {
			got := "0"
			if cond.Eval(c) {
				got = "1"
			}
			if got != want[i:i+1] {
				t.Errorf("%q is %s, haproxy says %s", mapConds[i], got, want[i:i+1])
			}
		}
		for i, e := range exprs {
			got := ""
			if v, ok := e.Eval(c); ok {
				if strings.HasSuffix(exprTexts[i], ",add(1)") {
					v.Int++
				}
				got = string(v.AppendText(nil))
			}
			if got != wantVals[i] {
				t.Errorf("%s = %q, haproxy says %q", mapExprs[i], got, wantVals[i])
			}
		}
	}
	if n := len(env.Patterns.Refs()); n != len(mapFiles) {
		t.Errorf("%d references for %d files", n, len(mapFiles))
	}
}

// Errors at load: bad values name the file and line, as haproxy's.
func TestMapLoadErrors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "si.map"), "a 1\nb x\n")
	writeFile(t, filepath.Join(dir, "ip.map"), "a 10.0.0.1\nb 1.2.3\n")
	writeFile(t, filepath.Join(dir, "k.map"), "bad-net 1\n")
	env := &Env{Dir: dir, Patterns: NewPatternRefs()}
	for expr, want := range map[string]string{
		"str(a),map_str_int(si.map)":                "invalid args in converter 'map_str_int' : unable to parse 'x' at line 2 of file 'si.map'",
		"str(a),map_str_ip(ip.map)":                 "invalid args in converter 'map_str_ip' : unable to parse '1.2.3' at line 2 of file 'ip.map'",
		"str(a),map_str_ip(si.map,1.2.3)":           "invalid args in converter 'map_str_ip' : unable to parse '1' at line 1 of file 'si.map'",
		"str(a),map(si.map),map_str(nope)":          "invalid args in converter 'map_str' : failed to open pattern file <nope>",
		"str(a),map_ip(k.map)":                      "'bad-net' is not a valid IPv4 or IPv6 address at line 1 of file 'k.map'",
		"str(a),map_str_int(si.map,x)":              "failed to parse 'x' as type 'integer'",
		"str(a),map_str(ip.map),map_str_ip(ip.map)": "unable to parse '1.2.3'",
	} {
		_, err := ParseExpr(env, expr)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", expr, err, want)
		}
	}
	if _, err := ParseExpr(env, "str(a),map_str(si.map),map_str_ip(nope,1.2.3)"); err == nil {
		t.Error("missing file accepted")
	}
	// A good default address is accepted, a bad one refused.
	writeFile(t, filepath.Join(dir, "ok.map"), "a ::1\n")
	if _, err := ParseExpr(env, "str(a),map_str_ip(ok.map,1.2.3)"); err == nil ||
		!strings.Contains(err.Error(), "map: cannot parse default ip <1.2.3>.") {
		t.Errorf("bad default: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "ok.map")); err != nil {
		t.Fatal(err)
	}
}
