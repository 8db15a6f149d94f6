package config

import (
	"fmt"
	"strings"

	"switchyard/logformat"
	"switchyard/sample"
)

// The actions that edit pattern files and maps at run time, in both HTTP
// rule sets, as haproxy 2.6's:
//
//	add-acl(<file>) <key fmt>              add the key unless present
//	del-acl(<file>) <key fmt>              remove every entry of the key
//	set-map(<file>) <key fmt> <value fmt>  set the key's value, or add it
//	del-map(<file>) <key fmt>              remove every entry of the key
//
// The file must be one that an ACL or a map converter of the
// configuration loads (by the name written there); haproxy 2.6 accepts
// any name and silently does nothing at run time for one it does not
// know, which hides a typo.

// PatternAction is what such a rule holds (HTTPRule.Args).
type PatternAction struct {
	Op    PatternOp
	File  string
	Key   *logformat.Format
	Value *logformat.Format // set-map only
	// Ref is the file's reference, found once every section is read.
	Ref *sample.PatternRef
}

// PatternOp is which of the four actions a PatternAction is.
type PatternOp uint8

const (
	OpAddACL PatternOp = iota
	OpDelACL
	OpSetMap
	OpDelMap
)

var patternActions = []struct {
	name string
	op   PatternOp
}{{"add-acl", OpAddACL}, {"del-acl", OpDelACL}, {"set-map", OpSetMap}, {"del-map", OpDelMap}}

func init() {
	for _, a := range patternActions {
		op, name := a.op, a.name
		delete(notYet, "http-request "+name)
		delete(notYet, "http-response "+name)
		RegisterAction(&ActionDef{Name: name, Where: HTTPRequestRules | HTTPResponseRules, Prefix: true,
			Parse: func(c *RuleContext, r *HTTPRule, args []string) (int, error) {
				return parsePatternAction(c, r, name, op, args)
			}})
	}
}

// parsePatternAction reads "<name>(<file>) <key> [<value>]"; args[0] is
// the action's word with its file (ActionDef.Prefix).
func parsePatternAction(c *RuleContext, r *HTTPRule, name string, op PatternOp, args []string) (int, error) {
	if len(args) == 0 || !strings.HasPrefix(args[0], name+"(") || !strings.HasSuffix(args[0], ")") {
		return 0, fmt.Errorf("'%s' expects the name of a file in parentheses: %s(<file>)", name, name)
	}
	file := args[0][len(name)+1 : len(args[0])-1]
	if file == "" {
		return 0, fmt.Errorf("'%s' expects the name of a file in parentheses: %s(<file>)", name, name)
	}
	want := 1
	if op == OpSetMap {
		want = 2
	}
	words := args[1:]
	if len(words) < want || words[0] == "" || (want == 2 && words[1] == "") {
		return 0, fmt.Errorf("expects exactly %d arguments", want)
	}
	a := &PatternAction{Op: op, File: file}
	var err error
	if a.Key, err = c.ParseFormat(words[0]); err != nil {
		return 0, fmt.Errorf("'%s': key: %v", name, err)
	}
	if op == OpSetMap {
		if a.Value, err = c.ParseFormat(words[1]); err != nil {
			return 0, fmt.Errorf("'%s': value: %v", name, err)
		}
	}
	r.Args = a
	// The file may be loaded by a line further down.
	c.Later(func(cfg *Config) error {
		if cfg.Patterns != nil {
			a.Ref = cfg.Patterns.Lookup(file)
		}
		if a.Ref == nil {
			return fmt.Errorf("'%s': no ACL or map of the configuration loads the file '%s'", name, file)
		}
		return nil
	})
	return 1 + want, nil
}
