package proxy

import (
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"switchyard/config"
)

// registerUncompiled registers the test's action once per test binary
// (config's registry has no removal outside its package).
var registerUncompiled sync.Once

// An action that config knows but the data plane cannot run is refused
// when the configuration is applied, never skipped: a skipped deny would
// be a hole.
func TestActionWithoutImplementationIsRefused(t *testing.T) {
	registerUncompiled.Do(func() {
		config.RegisterAction(&config.ActionDef{Name: "sy-test-uncompiled", Where: config.HTTPRequestRules, Final: true,
			Parse: func(*config.RuleContext, *config.HTTPRule, []string) (int, error) { return 0, nil }})
	})
	cfg, _, errs := config.LoadBytes("t.cfg", []byte(`defaults
    mode http
    timeout client 1s
    timeout server 1s
    timeout connect 1s
frontend f
    bind 127.0.0.1:0
    http-request sy-test-uncompiled
    default_backend b
backend b
`), config.LoadOptions{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	rt := New(slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	err := rt.Apply(cfg)
	if err == nil || !strings.Contains(err.Error(), "t.cfg:8: frontend 'f': action 'sy-test-uncompiled' has no implementation in the data plane") {
		t.Fatalf("Apply: %v", err)
	}
}

// Every action of the registry has a compiler (but the test's own).
func TestEveryActionCompiles(t *testing.T) {
	defs := config.Actions(config.HTTPRequestRules)
	if len(defs) < 3 {
		t.Fatalf("only %d http-request actions registered", len(defs))
	}
	for _, def := range defs {
		if _, ok := actionCompilers[def]; !ok && !strings.HasPrefix(def.Name, "sy-test-") {
			t.Errorf("http-request %s has no compiler", def.Name)
		}
	}
}
