package sample

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hotConds are typical rule conditions; evaluating them must not allocate.
var hotConds = []string{
	"if { hdr(host),lower -m str www.example.com api.example.com }",
	"if { hdr(host) -i www.example.com api.example.com }",
	"if { hdr_end(host) -i .example.com }",
	"if { path_reg ^/api/v[0-9]+/ }",
	"if { src 10.0.0.0/8 192.168.0.0/16 2001:db8::/32 }",
	"if { req.hdr(x-forwarded-for) -m ip 203.0.113.0/24 }",
	"if METH_GET { path_beg /static/ /img/ } || { path_end .css .js }",
	"if { req.cook(sid) -m found } !{ urlp(debug) 1 }",
	"if { hdr_cnt(host) gt 1 } || { req.hdr_val(content-length) gt 1000000 }",
	"if { var(txn.user) -m str alice }",
}

var hotReq = req("GET /api/v2/users?id=7&debug=0 HTTP/1.1",
	"Host: WWW.Example.COM",
	"User-Agent: bench/1.0",
	"X-Forwarded-For: 198.51.100.7, 203.0.113.9",
	"Cookie: lang=fr; sid=0123456789abcdef",
	"Accept: */*",
)

func hotCtx() *Ctx {
	c := ctxFor(hotReq)
	user, _ := ParseVarName("txn.user")
	c.Vars.Set(user, Str([]byte("alice")))
	return c
}

func TestHotPathDoesNotAllocate(t *testing.T) {
	c := hotCtx()
	for _, s := range hotConds {
		cond, err := ParseCond(strings.Fields(s), NewACLSet(nil))
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		cond.Eval(c) // let c.Scratch grow once
		if n := testing.AllocsPerRun(200, func() { cond.Eval(c) }); n != 0 {
			t.Errorf("%s: %v allocations per evaluation", s, n)
		}
	}
	for _, s := range []string{"req.hdr(host),lower", "base", "req.cook(sid)", "urlp(id)", "src", "var(txn.user)"} {
		e, err := ParseExpr(nil, s)
		if err != nil {
			t.Fatal(err)
		}
		eval := func() {
			c.Scratch = c.Scratch[:0]
			e.Eval(c)
		}
		eval()
		if n := testing.AllocsPerRun(200, eval); n != 0 {
			t.Errorf("%s: %v allocations per evaluation", s, n)
		}
	}
}

func TestLargePatternFileDoesNotAllocate(t *testing.T) {
	c, conds := largeSetConds(t)
	for i, cond := range conds {
		cond.Eval(c)
		if n := testing.AllocsPerRun(100, func() { cond.Eval(c) }); n != 0 {
			t.Errorf("condition %d: %v allocations per evaluation", i, n)
		}
	}
}

// largeSetConds builds conditions over 10,000 networks and 10,000 host
// names loaded from files, the shape of allow-lists and token files.
func largeSetConds(tb testing.TB) (*Ctx, []*Cond) {
	dir := tb.TempDir()
	var nets, hosts strings.Builder
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&nets, "10.%d.%d.0/24\n", i/256, i%256)
		fmt.Fprintf(&hosts, "host%d.example.com\n", i)
	}
	os.WriteFile(filepath.Join(dir, "nets.lst"), []byte(nets.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "hosts.lst"), []byte(hosts.String()), 0o644)
	s := NewACLSet(&Env{Dir: dir})
	for _, line := range []string{
		"allowed src -f nets.lst",
		"known hdr(host) -i -f hosts.lst",
	} {
		w := strings.Fields(line)
		if err := s.Add(w[0], w[1:]); err != nil {
			tb.Fatal(err)
		}
	}
	var conds []*Cond
	for _, s2 := range []string{"if allowed", "if known"} {
		c, err := ParseCond(strings.Fields(s2), s)
		if err != nil {
			tb.Fatal(err)
		}
		conds = append(conds, c)
	}
	return hotCtx(), conds
}

func BenchmarkCond(b *testing.B) {
	for _, s := range hotConds {
		cond, err := ParseCond(strings.Fields(s), NewACLSet(nil))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(s, func(b *testing.B) {
			c := hotCtx()
			b.ReportAllocs()
			for b.Loop() {
				cond.Eval(c)
			}
		})
	}
}

func BenchmarkLargeSets(b *testing.B) {
	c, conds := largeSetConds(b)
	for i, cond := range conds {
		b.Run([]string{"src-10k-nets", "host-10k-names"}[i], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				cond.Eval(c)
			}
		})
	}
}

func BenchmarkEval(b *testing.B) {
	for _, s := range []string{"req.hdr(host),lower", "base", "req.cook(sid)", "urlp(id)"} {
		e, err := ParseExpr(nil, s)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(s, func(b *testing.B) {
			c := hotCtx()
			b.ReportAllocs()
			for b.Loop() {
				c.Scratch = c.Scratch[:0]
				e.Eval(c)
			}
		})
	}
}
