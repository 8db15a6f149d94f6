package hlua

import (
	"fmt"
	"strings"
	"testing"

	glua "github.com/yuin/gopher-lua"
)

// The pattern functions give gopher-lua's results (they are its code with
// the compiled pattern cached), on a corpus of patterns, subjects and
// replacements, errors included; string.match without a match gives nil
// as Lua does (gopher-lua gives nothing: the corpus passes its result
// through select('#') only where the two agree).
func TestPatternFunctionsAsGopherLua(t *testing.T) {
	patterns := []string{
		"a", "^a", "a$", "^$", ".", "%a+", "%d+", "(%d+)-(%d+)", "^[%w%-_%.~+=]+$", "^%s+", "%s+$",
		"(a)(b)?", "()a()", "[^%s]+", "%bxy", "%f[%w]%w+", "(h)(e)(l)(l)(o)", "[a-c]+", "[%]]",
		"x*", "x-", "(%a+)=(%w+)", "%%", "[", "%", "(()", "%1", "(a)%1", "(.-)b", "^(.-)%s*$",
		"%u%l*", "[%p]", "%x+", "%c", ".-", "(.)(.)", "%w-%.",
	}
	subjects := []string{"", "a", "abc", "hello world", "  padded  ", "key=value; k2=v2", "12-34 56-78",
		"Bearer abc.def-ghi_jkl~mno+pq=", "xaybxcy", "THE (quick) fox", "aaa", "a.b.c", "\x01\x02\t"}
	repls := []string{`"%1"`, `"<%0>"`, `"%%"`, `"%x"`, `"z%"`, `"%2%1"`, `{a="A", hello="H"}`, `function(s) return s:upper() end`, `function() return false end`}
	var b strings.Builder
	b.WriteString("local function rec(...) local t = {} for i = 1, select('#', ...) do t[#t+1] = tostring((select(i, ...))) end emit(table.concat(t, ',')) end\n")
	b.WriteString("local function try(f, ...) local r = {pcall(f, ...)} if not r[1] then emit('ERR ' .. tostring(r[2])) else rec(unpack(r, 2, table.maxn(r))) end end\n")
	for _, p := range patterns {
		for _, s := range subjects {
			fmt.Fprintf(&b, "try(string.find, %q, %q)\ntry(string.find, %q, %q, 2)\ntry(string.find, %q, %q, 1, true)\n", s, p, s, p, s, p)
			fmt.Fprintf(&b, "try(function(s, p) local m = {string.match(s, p)} return unpack(m, 1, table.maxn(m)) end, %q, %q)\n", s, p)
			fmt.Fprintf(&b, "try(function(s, p) local r = {} for a, c in string.gmatch(s, p) do r[#r+1] = tostring(a) .. '/' .. tostring(c) end return table.concat(r, ' ') end, %q, %q)\n", s, p)
			for _, r := range repls {
				fmt.Fprintf(&b, "try(string.gsub, %q, %q, %s)\ntry(string.gsub, %q, %q, %s, 1)\n", s, p, r, s, p, r)
			}
		}
	}
	run := func(patched bool) []string {
		L := glua.NewState()
		defer L.Close()
		if patched {
			openPatterns(L)
		}
		var out []string
		L.SetGlobal("emit", L.NewFunction(func(L *glua.LState) int {
			out = append(out, L.CheckString(1))
			return 0
		}))
		if err := L.DoString(b.String()); err != nil {
			t.Fatal(err)
		}
		return out
	}
	want, got := run(false), run(true)
	if len(want) != len(got) {
		t.Fatalf("%d results, want %d", len(got), len(want))
	}
	diffs := 0
	for i := range want {
		if want[i] != got[i] && !(want[i] == "" && got[i] == "nil") { // match's nil
			t.Errorf("result %d: %q, gopher-lua %q", i, got[i], want[i])
			if diffs++; diffs > 10 {
				t.FailNow()
			}
		}
	}
	if len(want) < 5000 {
		t.Fatalf("only %d results: the corpus did not run", len(want))
	}
}

// A pattern is compiled once and shared; a bad one is an error each time.
func TestPatternCompiledOnce(t *testing.T) {
	L := glua.NewState()
	defer L.Close()
	openPatterns(L)
	if err := L.DoString(`for i = 1, 3 do assert(("k=v"):match("^(%w+)=(%w+)$") == "k") end`); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		err := L.DoString(`return ("x"):match("[")`)
		if err == nil || !strings.Contains(err.Error(), "unexpected EOS") {
			t.Errorf("bad pattern: %v", err)
		}
	}
}
