package hlua

import glua "github.com/yuin/gopher-lua"

// get_priv and set_priv keep their value in the stream's Lua context in
// haproxy: the actions of a stream and its service share it, for the
// stream's life (one request in HTTP). A Stream that implements
// PrivStream keeps it so; without one, the value lasts for the call.

// PrivStream is a Stream that keeps the value of set_priv.
type PrivStream interface {
	// LuaPriv is where the value lives (a glua.LValue, or nil).
	LuaPriv() *any
}

func (c *call) getPriv() glua.LValue {
	if c == nil {
		return glua.LNil
	}
	if ps, ok := c.st.(PrivStream); ok {
		if v, ok := (*ps.LuaPriv()).(glua.LValue); ok {
			return v
		}
		return glua.LNil
	}
	if c.private == nil {
		return glua.LNil
	}
	return c.private
}

func (c *call) setPriv(v glua.LValue) {
	if c == nil {
		return
	}
	if ps, ok := c.st.(PrivStream); ok {
		*ps.LuaPriv() = v
		return
	}
	c.private = v
}
