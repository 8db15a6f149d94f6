package hlua

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// argErrName is the function name in "bad argument" messages: Lua 5.3
// says 'string.pack', gopher-lua pack; the rest must agree.
var argErrName = regexp.MustCompile(`bad argument (#\d+) to ('[^']*'|\S+) `)

// The Lua 5.3 shims give what haproxy's Lua 5.3 gives on the same script
// (testdata/compat.out was written by haproxy 2.6.12).
func TestCompat53(t *testing.T) {
	body, err := os.ReadFile("testdata/compat.lua")
	if err != nil {
		t.Fatal(err)
	}
	got := runLuaTest(t, nil, "\n"+string(body)) // as TestHaproxyReference, for line numbers
	want, err := os.ReadFile("testdata/compat.out")
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		got[i] = argErrName.ReplaceAllString(got[i], "bad argument $1 to F ")
	}
	expectLines(t, got, argErrName.ReplaceAllString(string(want), "bad argument $1 to F "))
}

// What Lua 5.3 has and gopher-lua cannot be given by a library: the
// integer operators fail to compile, as docs/lua.md says.
func TestCompatLimits(t *testing.T) {
	for _, src := range []string{"return 7 // 2", "return 6 & 3", "return 6 | 3", "return 1 << 2", "return ~1", "return 6 ~ 3"} {
		if _, err := compileString(src); err == nil {
			t.Errorf("%q compiled: docs/lua.md says it does not", src)
		}
	}
}

func compileString(src string) (any, error) {
	dir, err := os.MkdirTemp("", "hlua")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	f := dir + "/x.lua"
	if err := os.WriteFile(f, []byte(src), 0o600); err != nil {
		return nil, err
	}
	return compile(f)
}

// The 5.3 escapes are rewritten in quoted strings only, and line numbers
// are kept.
func TestRewriteEscapes(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`x = "\x41"`, `x = "\065"`},
		{`x = '\x4a\x4B'`, `x = '\074\075'`},
		{`-- "\x41"` + "\n" + `y = "\x41"`, `-- "\x41"` + "\n" + `y = "\065"`},
		{`--[[ "\x41" ]] y = [[\x41]]`, `--[[ "\x41" ]] y = [[\x41]]`},
		{`y = [==[ "\x41" ]==] .. "\x41"`, `y = [==[ "\x41" ]==] .. "\065"`},
		{`y = "\\x41"`, `y = "\\x41"`},
		{`y = "\"\x41"`, `y = "\"\065"`},
		{"y = \"a\\z\n   b\" z = 1", "y = \"ab\"\n z = 1"},
		{`y = "\u{41}\u{20AC}"`, `y = "\065\226\130\172"`},
		{`y = "\xZZ"`, `y = "\xZZ"`},
		{`y = 1`, `y = 1`},
	} {
		if got := string(rewriteEscapes([]byte(c.in))); got != c.want {
			t.Errorf("%q:\n got  %q\n want %q", c.in, got, c.want)
		}
	}
}

// Modules that scripts require are read as scripts are.
func TestRequireRewrites(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(dir+"/mymod.lua", []byte(`return { v = "\x41" }`), 0o600)
	got := runLuaTest(t, nil, `package.path = `+quoteLua(dir+"/?.lua")+` .. ";" .. package.path
function test()
  out("mod", require("mymod").v)
  try("missing", require, "nosuchmodule")
end
`)
	if len(got) != 2 || got[0] != `mod ("A")` || !strings.Contains(got[1], "nosuchmodule") {
		t.Errorf("got %q", got)
	}
}

// loadfile and dofile read files as lua-load does (a "#!" first line
// skipped, the 5.3 escapes), with Lua 5.3's results and messages, which
// haproxy 2.6.12 gave on the same calls.
func TestLoadfileDofile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(dir+"/m.lua", []byte("#!/usr/bin/env lua\nreturn \"\\x41\", 2\n"), 0o600)
	os.WriteFile(dir+"/bad.lua", []byte("\nreturn (\n"), 0o600)
	got := runLuaTest(t, nil, `
function test()
  local f, e = loadfile("/nonexistent.lua")
  out("loadfile missing", f, e)
  out("loadfile", loadfile(`+quoteLua(dir+"/m.lua")+`)())
  out("dofile", dofile(`+quoteLua(dir+"/m.lua")+`))
  out("dofile missing", pcall(dofile, "/nonexistent.lua"))
  out("mode b", loadfile(`+quoteLua(dir+"/m.lua")+`, "b"))
  local g, e2 = loadfile(`+quoteLua(dir+"/bad.lua")+`)
  out("syntax", g, e2 ~= nil)
  out("env", loadfile(`+quoteLua(dir+"/m.lua")+`, "t", {})())
end
`)
	want := []string{
		`loadfile missing (nil, "cannot open /nonexistent.lua: No such file or directory")`,
		`loadfile ("A", 2)`,
		`dofile ("A", 2)`,
		`dofile missing (false, "cannot open /nonexistent.lua: No such file or directory")`,
		`mode b (nil, "attempt to load a text chunk (mode is 'b')")`,
		`syntax (nil, true)`,
		`env ("A", 2)`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// lua-load skips a "#!" first line, as luaL_loadfile does, and keeps the
// line numbers of what follows.
func TestLuaLoadShebang(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s.lua")
	os.WriteFile(p, []byte("#!/usr/bin/env lua\nlocal x = 1\nerror(\"line three\")\n"), 0o600)
	prog := NewProgram(nil)
	prog.Settings.LogStderr = "off"
	err := prog.Load(p, nil, false)
	if err == nil || !strings.Contains(err.Error(), "s.lua:3: line three") {
		t.Errorf("load: %v", err)
	}
}
