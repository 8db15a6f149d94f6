package proxy

import (
	"switchyard/config"
)

// The data plane of add-acl, del-acl, set-map and del-map (config's
// PatternAction): the key and value formats are rendered for the stream,
// and the file's reference is edited (sample.PatternRef), which every ACL
// and map converter using the file sees at once. As in haproxy, the rule
// never stops the rule set, and an edit that fails (a value a map_*_int
// cannot parse, a key an ip ACL cannot read) is dropped.
func init() {
	for _, set := range []config.RuleSet{config.HTTPRequestRules, config.HTTPResponseRules} {
		for _, name := range []string{"add-acl", "del-acl", "set-map", "del-map"} {
			compileAction(set, name, compilePatternAction)
		}
	}
}

func compilePatternAction(r *config.HTTPRule) ruleFunc {
	a := r.Args.(*config.PatternAction)
	return func(s *httpStream) (ruleVerdict, bool) {
		ref := a.Ref
		if ref == nil {
			return ruleContinue, false
		}
		var buf [256]byte
		key := string(a.Key.Append(buf[:0], &s.ctx, nil))
		switch a.Op {
		case config.OpAddACL:
			_ = ref.AddIfMissing(key)
		case config.OpSetMap:
			value := string(a.Value.Append(buf[:0], &s.ctx, nil))
			_ = ref.SetOrAdd(key, value)
		case config.OpDelACL, config.OpDelMap:
			ref.Delete(key)
		}
		return ruleContinue, false
	}
}
