package config

import "os"

// EnvChange is one setenv, presetenv or unsetenv of the global section, as
// it is to be made in the process.
type EnvChange struct {
	Name, Value string
	Unset       bool
}

// ApplyEnv makes the global section's environment changes in the process.
// Loading only records them (files read later see them in ${VAR}
// expansion), so that `-c` and a reload that fails change nothing: the
// caller applies them once the configuration is in force.
func (c *Config) ApplyEnv() error {
	for _, e := range c.Env {
		var err error
		if e.Unset {
			err = os.Unsetenv(e.Name)
		} else {
			err = os.Setenv(e.Name, e.Value)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// envValue is a variable as the configuration being read sees it.
type envValue struct {
	value string
	set   bool
}

// lookupEnv is the environment as the configuration sees it: the changes
// of the lines read so far over the process's (or the options') own.
func (p *parser) lookupEnv(name string) (string, bool) {
	if v, ok := p.env[name]; ok {
		return v.value, v.set
	}
	if p.opt.Env != nil {
		return p.opt.Env(name)
	}
	return os.LookupEnv(name)
}

// changeEnv records an environment change of the global section.
func (p *parser) changeEnv(e EnvChange) {
	if p.env == nil {
		p.env = map[string]envValue{}
	}
	p.env[e.Name] = envValue{value: e.Value, set: !e.Unset}
	p.cfg.Env = append(p.cfg.Env, e)
}
