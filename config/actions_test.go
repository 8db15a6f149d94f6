package config

import (
	"strings"
	"testing"
)

// registerTestAction adds an action for the length of a test.
func registerTestAction(t *testing.T, def *ActionDef) {
	t.Helper()
	RegisterAction(def)
	t.Cleanup(func() {
		name := "http-request " + def.Name
		delete(actions, name)
		delete(registry, name)
	})
}

// An action registered from outside the built-in set parses through the
// same path as the built-in ones: its arguments, then the condition.
func TestRegisteredAction(t *testing.T) {
	var got []string
	registerTestAction(t, &ActionDef{Name: "sy-test-tag", Where: HTTPRequestRules,
		Parse: func(c *RuleContext, r *HTTPRule, args []string) (int, error) {
			if len(args) == 0 || isCondStart(args[0]) {
				return 0, errorString("expects a tag")
			}
			got = append(got, args[0])
			r.Args = args[0]
			return 1, nil
		}})
	cfg, _, errs := load(t, base+"frontend f\n bind :80\n http-request sy-test-tag a if TRUE\n http-request sy-test-tag b\n default_backend b\nbackend b\n")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	rules := cfg.Proxies[0].HTTPRequest
	if len(rules) != 2 || rules[0].Args != "a" || rules[0].Cond == nil || rules[1].Args != "b" || rules[1].Cond != nil {
		t.Fatalf("rules: %+v", rules)
	}
	if rules[0].Def != LookupAction(HTTPRequestRules, "sy-test-tag") {
		t.Fatal("the rule does not point at its action")
	}
	_, _, errs = load(t, base+"frontend f\n bind :80\n http-request sy-test-tag\n")
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "t.cfg:9: 'http-request sy-test-tag': expects a tag") {
		t.Fatalf("errors: %v", errs)
	}
	_, _, errs = load(t, base+"frontend f\n bind :80\n http-request sy-test-tag a b\n")
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "unexpected 'b', expects 'if' or 'unless'") {
		t.Fatalf("errors: %v", errs)
	}
}

// The unreachable-rule warning asks the registry whether an action ends
// the evaluation: a rule after an unconditional non-final one is reached.
func TestUnreachableRuleAsksTheRegistry(t *testing.T) {
	registerTestAction(t, &ActionDef{Name: "sy-test-nonfinal", Where: HTTPRequestRules,
		Parse: func(*RuleContext, *HTTPRule, []string) (int, error) { return 0, nil }})
	_, res, errs := load(t, base+"frontend f\n bind :80\n http-request sy-test-nonfinal\n http-request deny\n default_backend b\nbackend b\n")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, w := range res.Warnings() {
		if strings.Contains(w.Msg, "further entries are NOOP") {
			t.Fatalf("warned after a non-final action: %s", w.Msg)
		}
	}
	_, res, _ = load(t, base+"frontend f\n bind :80\n http-request deny\n http-request sy-test-nonfinal\n default_backend b\nbackend b\n")
	found := false
	for _, w := range res.Warnings() {
		found = found || strings.Contains(w.Msg, "further entries are NOOP")
	}
	if !found {
		t.Fatal("no warning after an unconditional deny")
	}
}

func TestRegisterActionMistakes(t *testing.T) {
	for name, def := range map[string]*ActionDef{
		"twice":       {Name: "deny", Where: HTTPRequestRules},
		"no rule set": {Name: "sy-test-tcp", Where: RuleSet(1 << 7)},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			RegisterAction(def)
		})
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }
