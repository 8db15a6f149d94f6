package hlua

import (
	"os"
	"regexp"
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
	got := runLuaTest(t, nil, string(body))
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
// integer operators fail to compile, as docs/lua-compat.md says.
func TestCompatLimits(t *testing.T) {
	for _, src := range []string{"return 7 // 2", "return 6 & 3", "return 6 | 3", "return 1 << 2", "return ~1", "return 6 ~ 3"} {
		if _, err := compileString(src); err == nil {
			t.Errorf("%q compiled: docs/lua-compat.md says it does not", src)
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
