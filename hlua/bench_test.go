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
