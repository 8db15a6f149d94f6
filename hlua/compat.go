package hlua

import (
	"math"

	glua "github.com/yuin/gopher-lua"
)

// gopher-lua speaks Lua 5.1; haproxy embeds 5.3 or 5.4. openCompat adds
// the 5.3 library functions that scripts commonly use and that cost
// little to provide (docs/lua.md lists what differs).
func openCompat(L *glua.LState) {
	if tb, ok := L.GetGlobal("table").(*glua.LTable); ok {
		if unpack := L.GetGlobal("unpack"); unpack != glua.LNil && tb.RawGetString("unpack") == glua.LNil {
			tb.RawSetString("unpack", unpack)
		}
	}
	if m, ok := L.GetGlobal("math").(*glua.LTable); ok {
		m.RawSetString("maxinteger", glua.LNumber(math.MaxInt64))
		m.RawSetString("mininteger", glua.LNumber(math.MinInt64))
		m.RawSetString("tointeger", L.NewFunction(func(L *glua.LState) int {
			n, ok := L.Get(1).(glua.LNumber)
			if !ok || float64(n) != math.Trunc(float64(n)) {
				L.Push(glua.LNil)
				return 1
			}
			L.Push(n)
			return 1
		}))
		m.RawSetString("type", L.NewFunction(func(L *glua.LState) int {
			n, ok := L.Get(1).(glua.LNumber)
			switch {
			case !ok:
				L.Push(glua.LNil)
			case float64(n) == math.Trunc(float64(n)):
				L.Push(glua.LString("integer"))
			default:
				L.Push(glua.LString("float"))
			}
			return 1
		}))
	}
}

// openClasses adds the global classes scripts may name (none beyond core
// and act yet).
func openClasses(v *vm) {}
