package config

import (
	"fmt"
	"path/filepath"
)

// Server state files: the `show servers state` output saved before a
// restart, read at start so that servers come back in the state they were
// left in (maintenance, drain, down, a weight set at runtime). A reload
// in place keeps the state in memory and does not read the file.

// StateFile are the global settings: `server-state-file` and
// `server-state-base`.
type StateFile struct {
	File, Base string
}

// LoadState is a backend's `load-server-state-from-file`.
type LoadState uint8

const (
	LoadStateNone   LoadState = iota // none (the default)
	LoadStateGlobal                  // global: the global server-state-file
	LoadStateLocal                   // local: server-state-file-name, or the backend's name
)

type stateFileKey struct{}

// StateFileOf returns the global state-file settings.
func StateFileOf(g *Global) StateFile {
	sf, _ := g.Ext[stateFileKey{}].(StateFile)
	return sf
}

type proxyStateKey struct{}

// proxyState is a proxy's load-server-state-from-file and
// server-state-file-name.
type proxyState struct {
	load LoadState
	name string // "": the backend's name
}

// StateFilePath returns the file a backend loads its servers' state from
// ("" when it loads none), as haproxy resolves it: the global file, or the
// backend's own name under server-state-base; a relative path is under
// server-state-base when set.
func StateFilePath(g *Global, px *Proxy) string {
	ps, _ := px.Ext[proxyStateKey{}].(proxyState)
	sf := StateFileOf(g)
	var f string
	switch ps.load {
	case LoadStateGlobal:
		f = sf.File
	case LoadStateLocal:
		f = ps.name
		if f == "" {
			f = px.Name
		}
	}
	if f == "" {
		return ""
	}
	if !filepath.IsAbs(f) && sf.Base != "" {
		f = filepath.Join(sf.Base, f)
	}
	return f
}

func init() {
	register(SecGlobal, "server-state-file", func(p *parser, args []string) error {
		if len(args) != 1 || args[0] == "" {
			return fmt.Errorf("expect one argument: a file path")
		}
		sf := StateFileOf(&p.cfg.Global)
		sf.File = args[0]
		p.cfg.Global.Ext.Set(stateFileKey{}, sf)
		return nil
	})
	register(SecGlobal, "server-state-base", func(p *parser, args []string) error {
		if len(args) != 1 || args[0] == "" {
			return fmt.Errorf("expects one argument: a directory path")
		}
		sf := StateFileOf(&p.cfg.Global)
		sf.Base = args[0]
		p.cfg.Global.Ext.Set(stateFileKey{}, sf)
		return nil
	})
	register(SecDefaults|SecBackend, "load-server-state-from-file", func(p *parser, args []string) error {
		ps, _ := p.cur.Ext[proxyStateKey{}].(proxyState)
		arg := ""
		if len(args) > 0 {
			arg = args[0]
		}
		switch arg {
		case "global":
			ps.load = LoadStateGlobal
		case "local":
			ps.load = LoadStateLocal
		case "none":
			ps.load = LoadStateNone
		default:
			return fmt.Errorf("expects 'global', 'local' or 'none'. Got '%s'", arg)
		}
		p.cur.Ext.Set(proxyStateKey{}, ps)
		return nil
	})
	register(SecBackend, "server-state-file-name", func(p *parser, args []string) error {
		if len(args) > 1 {
			return fmt.Errorf("cannot handle unexpected argument '%s'.", args[1])
		}
		ps, _ := p.cur.Ext[proxyStateKey{}].(proxyState)
		ps.name = ""
		if len(args) == 1 && args[0] != "use-backend-name" {
			ps.name = args[0]
		}
		p.cur.Ext.Set(proxyStateKey{}, ps)
		return nil
	})
}
