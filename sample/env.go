package sample

// Env is the configuration an expression, an ACL or a condition is compiled
// in: what a keyword may look up beyond its own text. A nil *Env is valid
// and reads files from the working directory, each into a reference of its
// own.
type Env struct {
	// Dir is where relative pattern and map files are read from; "" is the
	// working directory, as in haproxy.
	Dir string
	// Patterns holds the configuration's pattern files and maps, each once
	// by name, so that every ACL and map converter naming a file shares
	// its content and sees it change together. nil gives each use a
	// reference of its own.
	Patterns *PatternRefs
	// Later runs a check once every section is read: a keyword naming a
	// backend may come before the backend. nil runs it at once.
	Later func(check func() error)
	// Lookup finds an object of the configuration by kind and name
	// ("backend", "frontend"...), or nil; it is meant for Later checks.
	Lookup func(kind, name string) any
	// ProcVars collects the proc.* variables the configuration names:
	// haproxy creates each, empty, when it reads the configuration, so
	// that ifexists finds them. They are created when the configuration
	// is applied (DeclareProcVars), never while it is only read.
	ProcVars []VarRef
	// Proxy is the proxy whose line is being read ("" outside proxies):
	// fetches whose table defaults to the proxy's own (src_conn_cur,
	// table_avl) take its name.
	Proxy string
	// InDefaults says that line is in a defaults section: a fetch
	// argument that would default to the proxy's own server or table
	// must name it there, as haproxy requires.
	InDefaults bool
	// Dynamic holds the fetches and converters the configuration defines
	// itself (Lua's), nil when none.
	Dynamic Dynamic
	// Warn reports a warning about the line being read (nil: dropped).
	Warn func(msg string)
	// jwt holds the public keys jwt_verify loads, by path.
	jwt *jwtKeys
}

// DeclareVar notes a variable the configuration names (only proc.* ones
// matter).
func (env *Env) DeclareVar(r VarRef) {
	if env == nil || r.Scope != ScopeProc {
		return
	}
	for _, v := range env.ProcVars {
		if v == r {
			return
		}
	}
	env.ProcVars = append(env.ProcVars, r)
}

// later runs check at the end of the configuration, or at once.
func (env *Env) later(check func() error) error {
	if env == nil || env.Later == nil {
		return check()
	}
	env.Later(check)
	return nil
}

func (env *Env) dir() string {
	if env == nil {
		return ""
	}
	return env.Dir
}

// refs returns the set a file reference is taken from.
func (env *Env) refs() *PatternRefs {
	if env == nil || env.Patterns == nil {
		return NewPatternRefs()
	}
	return env.Patterns
}
