package hlua

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	glua "github.com/yuin/gopher-lua"

	"switchyard/sample"
)

// Memory files answer as gopher-lua's files do: every read format, lines,
// seek, close, io.type; the script sees no difference but speed.
func TestMemFile(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small.txt")
	writeFile(t, small, "first line\r\nsecond\n42 7.5\nlast")
	big := filepath.Join(dir, "big.txt")
	writeFile(t, big, strings.Repeat("x", smallFile+10)+"\nend\n")
	src := `
local function run(path)
  local out = {}
  local f = assert(io.open(path))
  out[#out+1] = io.type(f)
  out[#out+1] = f:read("*l")
  out[#out+1] = f:read()
  local a, b = f:read("*n", "*n")
  out[#out+1] = tostring(a) .. "," .. tostring(b)
  out[#out+1] = f:read("*a")
  out[#out+1] = tostring(f:read("*l"))
  out[#out+1] = f:read("*a")
  out[#out+1] = tostring(f:seek("set", 6))
  out[#out+1] = f:read(4)
  out[#out+1] = tostring(f:seek("end"))
  local n = 0
  f:seek("set")
  for line in f:lines() do n = n + 1 end
  out[#out+1] = tostring(n)
  f:close()
  out[#out+1] = io.type(f)
  out[#out+1] = tostring(pcall(f.read, f))
  return table.concat(out, "|")
end
core.register_fetches("mem", function(txn, path) return run(path) end)
core.register_fetches("missing", function(txn, path)
  local f, err = io.open(path)
  return tostring(f) .. " " .. err
end)
core.register_fetches("bigtail", function(txn, path)
  local f = io.open(path)
  f:seek("set", ` + "65546" + `)
  local s = f:read("*a")
  f:close()
  return s
end)
`
	env, p := newEnv()
	if err := p.Load(luaFile(t, src), nil, false); err != nil {
		t.Fatal(err)
	}
	got, _ := fetch(t, env, "lua.mem("+small+")", &sample.Ctx{})
	// The same script on gopher-lua's own io library.
	L := glua.NewState()
	defer L.Close()
	L.SetGlobal("core", L.NewTable())
	L.SetField(L.GetGlobal("core"), "register_fetches", L.NewFunction(func(*glua.LState) int { return 0 }))
	if err := L.DoString(src + "\nresult = run(" + strconv.Quote(small) + ")"); err != nil {
		t.Fatal(err)
	}
	want := L.GetGlobal("result").String()
	if string(got.Str) != want {
		t.Errorf("memory file:\n got %q\nwant %q (gopher-lua's io)", got.Str, want)
	}
	if v, _ := fetch(t, env, "lua.missing("+dir+"/nope)", &sample.Ctx{}); string(v.Str) != "nil open "+dir+"/nope: no such file or directory" {
		t.Errorf("missing: %q", v.Str)
	}
	if v, _ := fetch(t, env, "lua.bigtail("+big+")", &sample.Ctx{}); string(v.Str) != "\nend\n" {
		t.Errorf("a large file reads through gopher-lua's io: %q", v.Str)
	}
	_ = os.Remove(small)
}
