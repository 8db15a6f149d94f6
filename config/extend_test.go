package config

import (
	"fmt"
	"strings"
	"testing"

	"switchyard/sample"
)

// The extension API is exercised the way a feature package uses it: a
// keyword per section kind, a section of its own, bind and server options,
// a check run once the file is read, and a fetch the ACLs can use.

type testExtKey struct{}

var testSection Section

func init() {
	RegisterKeyword(SecGlobal|SecProxy, "test-ext", func(c *Context, args []string) error {
		if len(args) != 1 {
			return fmt.Errorf("expects one argument")
		}
		if px := c.Proxy(); px != nil {
			px.Ext.Set(testExtKey{}, args[0])
		} else {
			c.Global().Ext.Set(testExtKey{}, args[0])
		}
		return nil
	})
	RegisterKeyword(SecProxy, "test-ext-backend", func(c *Context, args []string) error {
		name := args[0]
		c.Later(func(cfg *Config) error {
			if c.Env().Lookup("backend", name) == nil {
				return fmt.Errorf("no backend '%s'", name)
			}
			return nil
		})
		return nil
	})
	var items []string
	testSection = RegisterSection("test-section", func(c *Context, args []string) error {
		items = nil
		if len(args) != 1 {
			return fmt.Errorf("expects a name")
		}
		return nil
	}, func(c *Context) error {
		c.Global().Ext.Set(testExtKey{}, strings.Join(items, ","))
		return nil
	})
	RegisterKeyword(testSection, "item", func(c *Context, args []string) error {
		items = append(items, args...)
		return nil
	})
	RegisterBindOption("test-bind", 1, func(c *Context, b *Bind, args []string) error {
		b.Ext.Set(testExtKey{}, args[0])
		return nil
	})
	RegisterServerOption("test-srv", 0, func(c *Context, s *ServerOpts, args []string) error {
		s.Ext.Set(testExtKey{}, true)
		return nil
	})
	sample.RegisterFetch(sample.FetchDef{Name: "test_const", Args: []sample.ArgType{sample.ArgInt}, MinArgs: 1,
		Out: sample.TypeInt, Src: sample.SrcL4,
		Compile: func(env *sample.Env, args []sample.Arg) (sample.FetchFunc, error) {
			if args[0].Int < 0 {
				return nil, fmt.Errorf("must be positive")
			}
			n := args[0].Int
			return func(*sample.Ctx) (sample.Value, bool) { return sample.Int(n), true }, nil
		}})
}

func TestExtensionKeywords(t *testing.T) {
	cfg, _, errs := load(t, `
global
	test-ext g
test-section s1
	item a b
	item c
defaults
	mode http
	test-ext d
	default-server test-srv
frontend fe
	bind 127.0.0.1:0 test-bind x
	test-ext-backend be
	acl seven test_const(7) 7
	http-request deny if seven
	default_backend be
backend be
	server s 127.0.0.1:1
`)
	if errs != nil {
		t.Fatal(errs)
	}
	if got := cfg.Global.Ext[testExtKey{}]; got != "a,b,c" {
		t.Errorf("global Ext = %v, want the section's items (set at its close, after 'test-ext g')", got)
	}
	fe, be := cfg.Proxies[0], cfg.Proxies[1]
	if fe.Ext[testExtKey{}] != "d" || be.Ext[testExtKey{}] != "d" {
		t.Errorf("proxies did not inherit the defaults' Ext: %v %v", fe.Ext, be.Ext)
	}
	if got := fe.Binds[0].Ext[testExtKey{}]; got != "x" {
		t.Errorf("bind Ext = %v", got)
	}
	if got := be.Servers[0].Ext[testExtKey{}]; got != true {
		t.Errorf("server Ext = %v (from default-server)", got)
	}
}

func TestExtensionErrors(t *testing.T) {
	for _, tt := range []struct{ src, want string }{
		{"frontend fe\n\ttest-ext-backend nope\n", "t.cfg:2: no backend 'nope'"},
		{"frontend fe\n\tbind :0 test-bind\n", "t.cfg:2: 'bind': 'test-bind' expects 1 argument(s)"},
		{"test-section\n", "t.cfg:1: 'test-section': expects a name"},
		{"frontend fe\n\tacl x test_const(-1) 1\n", "must be positive"},
	} {
		_, _, errs := load(t, tt.src)
		if len(errs) == 0 || !strings.Contains(errs.Error(), tt.want) {
			t.Errorf("%q: errors %v, want %q", tt.src, errs, tt.want)
		}
	}
}
