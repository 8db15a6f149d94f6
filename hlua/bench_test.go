package hlua

import (
	"testing"

	"switchyard/sample"
)

// The cost of one Lua fetch per request: seed 000's kind (a header read
// through txn.sf, a string compared).
func benchFetch(b *testing.B, perThread bool) {
	env, p := newEnv()
	dir := b.TempDir()
	path := dir + "/b.lua"
	writeFile(b, path, `
core.register_fetches("check", function(txn)
  local v = txn:get_var("txn.token")
  if v == "secret" then return "true" end
  return "false"
end)
`)
	if err := p.Load(path, nil, perThread); err != nil {
		b.Fatal(err)
	}
	e, err := sample.ParseExpr(env, "lua.check")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		c := &sample.Ctx{}
		c.Vars.Set(sample.VarRef{Scope: sample.ScopeTxn, Name: "token"}, sample.Str([]byte("secret")))
		for pb.Next() {
			c.Scratch = c.Scratch[:0]
			if v, ok := e.Eval(c); !ok || string(v.Str) != "true" {
				b.Fatalf("%q %v", v.Str, ok)
			}
		}
	})
}

func BenchmarkFetchShared(b *testing.B)    { benchFetch(b, false) }
func BenchmarkFetchPerThread(b *testing.B) { benchFetch(b, true) }

// BenchmarkServiceHTTP is a small Lua service's call: the fixed cost an
// applet adds to each request it answers.
func BenchmarkServiceHTTP(b *testing.B) {
	prog := loadScript(b, `
core.register_service("hello", "http", function(applet)
    applet:add_header("content-type", "text/plain")
    applet:start_response()
    applet:send("hello")
end)
`)
	prog.Start(nil)
	b.ReportAllocs()
	a := &Applet{Method: "GET", Path: "/", Version: "HTTP/1.1", Headers: [][2]string{{"host", "x"}}}
	for b.Loop() {
		a.Started = false
		a.Out.Reset()
		if r := prog.RunService("hello", nil, a); r != ServiceDone {
			b.Fatal(r)
		}
	}
}
