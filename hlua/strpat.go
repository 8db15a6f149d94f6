package hlua

import (
	"strconv"
	"strings"
	"unsafe"

	glua "github.com/yuin/gopher-lua"

	"switchyard/hlua/luapat"
)

// string.find, match, gmatch and gsub as gopher-lua's (stringlib.go,
// v1.1.2, MIT licence: see luapat), with one change: the pattern is
// compiled once per process (luapat.Cached) instead of on every call. In
// the token gateway of seed 000, recompiling the patterns of
// `token:match(...)` and `s:gsub(...)` was 14% of the CPU. Results are
// gopher-lua's, checked by TestPatternFunctionsAsGopherLua, with one
// deliberate difference: string.match without a match returns nil, as
// Lua does, where gopher-lua returns nothing.

func openPatterns(L *glua.LState) {
	str, ok := L.GetGlobal("string").(*glua.LTable)
	if !ok {
		return
	}
	str.RawSetString("find", L.NewFunction(strFind))
	str.RawSetString("match", L.NewFunction(strMatch))
	gmatch := L.NewClosure(strGmatch, L.NewFunction(strGmatchIter))
	str.RawSetString("gmatch", gmatch)
	str.RawSetString("gfind", gmatch)
	str.RawSetString("gsub", L.NewFunction(strGsub))
}

// readOnlyBytes is s without a copy; the matcher only reads it.
func readOnlyBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

func findPattern(L *glua.LState, pattern, str string, offset, limit int) []*luapat.MatchData {
	pat, err := luapat.Cached(pattern)
	if err != nil {
		L.RaiseError("%s", err.Error())
	}
	mds, err := pat.Find(readOnlyBytes(str), offset, limit)
	if err != nil {
		L.RaiseError("%s", err.Error())
	}
	return mds
}

// stringIndex is gopher-lua's luaIndex2StringIndex.
func stringIndex(str string, i int, start bool) int {
	if start && i != 0 {
		i--
	}
	l := len(str)
	if i < 0 {
		i = l + i + 1
	}
	i = max(0, i)
	if !start && i > l {
		i = l
	}
	return i
}

func strFind(L *glua.LState) int {
	str := L.CheckString(1)
	pattern := L.CheckString(2)
	if len(pattern) == 0 {
		L.Push(glua.LNumber(1))
		L.Push(glua.LNumber(0))
		return 2
	}
	init := stringIndex(str, L.OptInt(3, 1), true)
	plain := false
	if L.GetTop() == 4 {
		plain = glua.LVAsBool(L.Get(4))
	}
	if plain {
		pos := strings.Index(str[init:], pattern)
		if pos < 0 {
			L.Push(glua.LNil)
			return 1
		}
		L.Push(glua.LNumber(init+pos) + 1)
		L.Push(glua.LNumber(init + pos + len(pattern)))
		return 2
	}
	mds := findPattern(L, pattern, str, init, 1)
	if len(mds) == 0 {
		L.Push(glua.LNil)
		return 1
	}
	md := mds[0]
	L.Push(glua.LNumber(md.Capture(0) + 1))
	L.Push(glua.LNumber(md.Capture(1)))
	return 2 + pushCaptures(L, str, md)
}

func strMatch(L *glua.LState) int {
	str := L.CheckString(1)
	pattern := L.CheckString(2)
	offset := L.OptInt(3, 1)
	if offset < 0 {
		offset = len(str) + offset + 1
	}
	offset = max(offset-1, 0)
	mds := findPattern(L, pattern, str, offset, 1)
	if len(mds) == 0 {
		L.Push(glua.LNil)
		return 1
	}
	md := mds[0]
	nsubs := md.CaptureLength() / 2
	if nsubs == 1 {
		L.Push(glua.LString(str[md.Capture(0):md.Capture(1)]))
		return 1
	}
	return pushCaptures(L, str, md)
}

// pushCaptures pushes a match's captures (positions as numbers) and says
// how many.
func pushCaptures(L *glua.LState, str string, md *luapat.MatchData) int {
	for i := 2; i < md.CaptureLength(); i += 2 {
		if md.IsPosCapture(i) {
			L.Push(glua.LNumber(md.Capture(i)))
		} else {
			L.Push(glua.LString(str[md.Capture(i):md.Capture(i+1)]))
		}
	}
	return md.CaptureLength()/2 - 1
}

type gmatchState struct {
	str     string
	pos     int
	matches []*luapat.MatchData
}

func strGmatchIter(L *glua.LState) int {
	md := L.CheckUserData(1).Value.(*gmatchState)
	str := md.str
	idx := md.pos
	md.pos++
	if idx == len(md.matches) {
		return 0
	}
	L.Push(L.Get(1))
	match := md.matches[idx]
	if match.CaptureLength() == 2 {
		L.Push(glua.LString(str[match.Capture(0):match.Capture(1)]))
		return 1
	}
	return pushCaptures(L, str, match)
}

func strGmatch(L *glua.LState) int {
	str := L.CheckString(1)
	pattern := L.CheckString(2)
	mds := findPattern(L, pattern, str, 0, -1)
	L.Push(L.Get(glua.UpvalueIndex(1)))
	ud := L.NewUserData()
	ud.Value = &gmatchState{str, 0, mds}
	L.Push(ud)
	return 2
}

func strGsub(L *glua.LState) int {
	str := L.CheckString(1)
	pat := L.CheckString(2)
	L.CheckTypes(3, glua.LTString, glua.LTTable, glua.LTFunction)
	repl := L.CheckAny(3)
	limit := L.OptInt(4, -1)
	mds := findPattern(L, pat, str, 0, limit)
	if len(mds) == 0 {
		L.SetTop(1)
		L.Push(glua.LNumber(0))
		return 2
	}
	switch lv := repl.(type) {
	case glua.LString:
		L.Push(glua.LString(gsubString(L, str, string(lv), mds)))
	case *glua.LTable:
		L.Push(glua.LString(gsubTable(L, str, lv, mds)))
	case *glua.LFunction:
		L.Push(glua.LString(gsubFunc(L, str, lv, mds)))
	}
	L.Push(glua.LNumber(len(mds)))
	return 2
}

// replacement is a match's span and what replaces it.
type replacement struct {
	start, end int
	with       string
}

func gsubApply(str string, reps []replacement) string {
	var b strings.Builder
	b.Grow(len(str))
	last := 0
	for _, r := range reps {
		b.WriteString(str[last:r.start])
		b.WriteString(r.with)
		last = r.end
	}
	b.WriteString(str[last:])
	return b.String()
}

func checkCaptureIndex(L *glua.LState, m *luapat.MatchData, idx int) {
	if idx > 2 && idx >= m.CaptureLength() {
		L.RaiseError("invalid capture index")
	}
}

func capturedString(L *glua.LState, m *luapat.MatchData, str string, idx int) string {
	checkCaptureIndex(L, m, idx)
	if idx >= m.CaptureLength() && idx == 2 {
		idx = 0
	}
	if m.IsPosCapture(idx) {
		return strconv.Itoa(m.Capture(idx))
	}
	return str[m.Capture(idx):m.Capture(idx+1)]
}

// gsubString expands repl as gopher-lua does: %0-%9 are captures, %%
// is %, and % before any other character stays as written.
func gsubString(L *glua.LState, str, repl string, matches []*luapat.MatchData) string {
	reps := make([]replacement, 0, len(matches))
	for _, m := range matches {
		var b []byte
		for i := 0; i < len(repl); i++ {
			c := repl[i]
			switch {
			case c != '%' || i == len(repl)-1:
				b = append(b, c)
			case repl[i+1] == '%':
				b = append(b, '%')
				i++
			case repl[i+1] >= '0' && repl[i+1] <= '9':
				b = append(b, capturedString(L, m, str, 2*int(repl[i+1]-'0'))...)
				i++
			default:
				b = append(b, '%', repl[i+1])
				i++
			}
		}
		reps = append(reps, replacement{m.Capture(0), m.Capture(1), string(b)})
	}
	return gsubApply(str, reps)
}

func gsubTable(L *glua.LState, str string, repl *glua.LTable, matches []*luapat.MatchData) string {
	reps := make([]replacement, 0, len(matches))
	for _, m := range matches {
		idx := 0
		if m.CaptureLength() > 2 { // has captures
			idx = 2
		}
		var value glua.LValue
		if m.IsPosCapture(idx) {
			value = L.GetTable(repl, glua.LNumber(m.Capture(idx)))
		} else {
			value = L.GetField(repl, str[m.Capture(idx):m.Capture(idx+1)])
		}
		if !glua.LVIsFalse(value) {
			reps = append(reps, replacement{m.Capture(0), m.Capture(1), glua.LVAsString(value)})
		}
	}
	return gsubApply(str, reps)
}

func gsubFunc(L *glua.LState, str string, repl *glua.LFunction, matches []*luapat.MatchData) string {
	reps := make([]replacement, 0, len(matches))
	for _, m := range matches {
		L.Push(repl)
		nargs := 0
		if m.CaptureLength() > 2 { // has captures
			for i := 2; i < m.CaptureLength(); i += 2 {
				if m.IsPosCapture(i) {
					L.Push(glua.LNumber(m.Capture(i)))
				} else {
					L.Push(glua.LString(capturedString(L, m, str, i)))
				}
				nargs++
			}
		} else {
			L.Push(glua.LString(capturedString(L, m, str, 0)))
			nargs++
		}
		L.Call(nargs, 1)
		ret := L.Get(-1)
		L.Pop(1)
		if !glua.LVIsFalse(ret) {
			reps = append(reps, replacement{m.Capture(0), m.Capture(1), glua.LVAsString(ret)})
		}
	}
	return gsubApply(str, reps)
}
