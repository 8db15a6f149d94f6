package hlua

import glua "github.com/yuin/gopher-lua"

// Objects of the classes that socket.go, httpclient.go, map.go and
// regex.go add are made as haproxy makes them: a table holding the Go
// value as userdata at index 0, with the class's metatable (its methods
// as __index, and __tostring "HAProxy class <Name>"). Scripts can thus
// store fields on them, as they can under haproxy.

// newClass makes a class's metatable with its methods, registered under
// name.
func newClass(L *glua.LState, name string, methods map[string]glua.LGFunction) *glua.LTable {
	mt := L.NewTypeMetatable("hlua." + name)
	idx := L.NewTable()
	L.SetFuncs(idx, methods)
	mt.RawSetString("__index", idx)
	mt.RawSetString("__tostring", L.NewFunction(func(L *glua.LState) int {
		L.Push(glua.LString("HAProxy class " + name))
		return 1
	}))
	return mt
}

// newObject makes an object of the class name holding v.
func newObject(L *glua.LState, name string, v any) *glua.LTable {
	ud := L.NewUserData()
	ud.Value = v
	obj := L.CreateTable(1, 0)
	obj.RawSetH(glua.LNumber(0), ud)
	L.SetMetatable(obj, L.GetTypeMetatable("hlua."+name))
	return obj
}

// objectValue is the Go value of the object at n, nil when n is not an
// object of these classes.
func objectValue(L *glua.LState, n int) any {
	obj, ok := L.Get(n).(*glua.LTable)
	if !ok {
		return nil
	}
	// index 0 is in the hash part: gopher-lua's RawGetInt(0) always
	// answers nil
	ud, ok := obj.RawGetH(glua.LNumber(0)).(*glua.LUserData)
	if !ok {
		return nil
	}
	return ud.Value
}
