package hlua

import (
	"regexp"

	glua "github.com/yuin/gopher-lua"

	"switchyard/sample"
)

// The Regex class: Regex.new(re, case_sensitive) compiles with the
// configuration's regex engine (Go's RE2 in place of haproxy's PCRE: the
// syntax it lacks, back-references and look-around, fails to compile and
// new says so), exec says whether a string matches, match returns the
// whole match and the groups.

// regexMaxInput is haproxy's limit: the subject is copied into a trash
// buffer (tune.bufsize) and a longer one never matches.
const regexMaxInput = 16384

func openRegex(v *vm) {
	L := v.L
	cls := L.NewTable()
	cls.RawSetString("new", L.NewFunction(regexNew))
	mt := newClass(L, "Regex", map[string]glua.LGFunction{
		"exec":  regexExec,
		"match": regexMatch,
	})
	L.SetMetatable(cls, mt)
	L.SetGlobal("Regex", cls)
}

// regexNew returns true and the Regex, or false and why it did not
// compile. The second argument says whether the match is case sensitive
// (haproxy's regex_comp "cs").
func regexNew(L *glua.LState) int {
	str := L.CheckString(1)
	cs, ok := L.Get(2).(glua.LBool)
	if !ok {
		L.ArgError(2, "boolean expected")
	}
	re, err := sample.CompileRegex(str, !bool(cs))
	if err != nil {
		L.Push(glua.LFalse)
		L.Push(glua.LString(err.Error()))
		return 2
	}
	L.Push(glua.LTrue)
	L.Push(newObject(L, "Regex", re))
	return 2
}

func checkRegex(L *glua.LState) *regexp.Regexp {
	re, ok := objectValue(L, 1).(*regexp.Regexp)
	if !ok {
		L.ArgError(1, "Regex expected")
	}
	return re
}

func regexExec(L *glua.LState) int {
	re := checkRegex(L)
	s := L.CheckString(2)
	L.Push(glua.LBool(len(s) < regexMaxInput && re.MatchString(s)))
	return 1
}

// regexMatch returns whether s matches and, after true, a table of the
// whole match (1) and the groups (2…), stopping at the first group that
// did not take part, at most 20 entries, as haproxy's pmatch walk.
func regexMatch(L *glua.LState) int {
	re := checkRegex(L)
	s := L.CheckString(2)
	if len(s) >= regexMaxInput {
		L.Push(glua.LFalse)
		return 1
	}
	m := re.FindStringSubmatchIndex(s)
	L.Push(glua.LBool(m != nil))
	tb := L.CreateTable(len(m)/2, 0)
	for i := 0; m != nil && i < 20 && 2*i < len(m); i++ {
		if m[2*i] < 0 {
			break
		}
		tb.RawSetInt(i+1, glua.LString(s[m[2*i]:m[2*i+1]]))
	}
	L.Push(tb)
	return 2
}
