package hlua

import (
	"strings"

	glua "github.com/yuin/gopher-lua"

	"switchyard/sample"
)

// The Map class: Map.new(file, method) loads a map file as the map_*
// converters do (the configuration's pattern references, so that the
// runtime API's "set map" and core.set_map reach it too) and lookup or
// slookup find a key's value.

// mapMethods are haproxy's pattern match methods in their order
// (PAT_MATCH_*): Map.<name> and Map._<name> are their numbers.
var mapMethods = []string{"found", "bool", "int", "ip", "bin", "len", "str", "beg", "sub", "dir", "dom", "end", "reg", "regm"}

// luaMap is a Map object: the map converter of its method on its file.
type luaMap struct {
	conv   *sample.ConvCall
	intKey bool
	// ctx is the lookups' scratch context: a Map belongs to one Lua
	// state, which runs one call at a time.
	ctx sample.Ctx
}

func openMap(v *vm) {
	L := v.L
	cls := L.NewTable()
	for i, n := range mapMethods {
		cls.RawSetString(n, glua.LNumber(i))
		cls.RawSetString("_"+n, glua.LNumber(i))
	}
	cls.RawSetString("new", L.NewFunction(v.mapNew))
	mt := newClass(L, "Map", map[string]glua.LGFunction{
		"lookup":  func(L *glua.LState) int { return mapLookup(L, false) },
		"slookup": func(L *glua.LState) int { return mapLookup(L, true) },
	})
	L.SetMetatable(cls, mt) // as haproxy: Map.lookup exists too
	L.SetGlobal("Map", cls)
}

func (v *vm) mapNew(L *glua.LState) int {
	if L.GetTop() < 1 || L.GetTop() > 2 {
		L.RaiseError("'new' needs at least 1 argument.")
	}
	file := L.CheckString(1)
	method := 6 // str
	if L.GetTop() >= 2 {
		method = int(checkInteger(L, 2))
		if method < 0 || method >= len(mapMethods) {
			L.RaiseError("'new' needs a valid match method.")
		}
	}
	name := mapMethods[method]
	switch name {
	case "found", "bool", "bin", "len", "regm":
		L.RaiseError("'new' doesn't support this match mode.")
	}
	// As haproxy, maps load with the configuration: a file read at run
	// time would stall the state (and the runtime API would not know
	// it).
	if !v.loading {
		L.RaiseError("'new': map: cannot load map at runtime.")
	}
	var env *sample.Env
	if v.prog != nil {
		env = v.prog.env
	}
	conv, err := sample.CompileConverterCall(env, "map_"+name, []string{file})
	if err != nil {
		msg := err.Error()
		if _, rest, ok := strings.Cut(msg, "' : "); ok && strings.HasPrefix(msg, "invalid args in converter") {
			msg = rest
		}
		L.RaiseError("'new': %s.", strings.TrimSuffix(msg, "."))
	}
	L.Push(newObject(L, "Map", &luaMap{conv: conv, intKey: name == "int"}))
	return 1
}

// mapLookup is lookup (nil when no key matches) or slookup ("" then).
func mapLookup(L *glua.LState, str bool) int {
	if L.GetTop() != 2 {
		L.RaiseError("'lookup' needs 2 arguments")
	}
	m, ok := objectValue(L, 1).(*luaMap)
	if !ok {
		L.ArgError(1, "Map expected")
	}
	var in sample.Value
	if m.intKey {
		in = sample.Int(checkInteger(L, 2))
	} else {
		m.ctx.Scratch = append(m.ctx.Scratch[:0], L.CheckString(2)...)
		in = sample.Str(m.ctx.Scratch)
	}
	out, ok := m.conv.Apply(&m.ctx, in)
	switch {
	case !ok && str:
		L.Push(glua.LString(""))
	case !ok:
		L.Push(glua.LNil)
	default:
		mark := len(m.ctx.Scratch)
		m.ctx.Scratch = out.AppendText(m.ctx.Scratch)
		L.Push(glua.LString(m.ctx.Scratch[mark:])) // a copy: the string outlives the scratch
	}
	m.ctx.Reset()
	return 1
}
