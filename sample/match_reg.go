package sample

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
)

// regSet matches samples against regular expressions. haproxy uses PCRE;
// Go's RE2 syntax covers what ACLs use in practice, and constructs it
// lacks (back-references, look-around) are rejected when the config is
// loaded rather than silently matching differently.
type regSet struct {
	res []*regexp.Regexp
	ids []int32
}

func (s *regSet) add(p string, f patFlags, id int32) error {
	re, err := CompileRegex(p, f.icase)
	if err == nil {
		s.res, s.ids = append(s.res, re), append(s.ids, id)
	}
	return err
}

func (s *regSet) lookup(_ *Ctx, v Value) (int32, bool) {
	for i, re := range s.res {
		if re.Match(v.Str) {
			return s.ids[i], true
		}
	}
	return 0, false
}

// CompileRegex compiles a regex of the configuration (ACLs, converters,
// rule actions), reporting errors as haproxy does. haproxy uses PCRE; Go's
// RE2 covers what configurations use in practice, and refuses at load what
// it lacks (back-references, look-around) rather than match differently.
func CompileRegex(p string, icase bool) (*regexp.Regexp, error) {
	expr := p
	if icase {
		expr = "(?i)" + p
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		var se *syntax.Error
		if errors.As(err, &se) {
			return nil, fmt.Errorf("regex '%s' is invalid (error=%s at '%s')", p, se.Code, se.Expr)
		}
		return nil, fmt.Errorf("regex '%s' is invalid (error=%v)", p, err)
	}
	return re, nil
}
