package config

import (
	"fmt"
	"sort"
	"strings"

	"switchyard/internal/typo"
)

// Section is where a keyword may appear.
type Section uint16

const (
	SecGlobal Section = 1 << iota
	SecDefaults
	SecFrontend
	SecBackend
	SecListen = SecFrontend | SecBackend
	SecProxy  = SecDefaults | SecFrontend | SecBackend

	secFirstFree = SecBackend << 1 // the first bit RegisterSection hands out
)

// keyword is one row of the registry. A feature adds keywords by registering
// rows from its own file; the section loop never changes.
type keyword struct {
	name  string // one word ("bind") or two ("timeout client")
	where Section
	parse func(p *parser, args []string) error
	// negatable keywords accept a leading "no" (and "default"): `no option httpclose`.
	negatable bool
	// side is the capability a proxy keyword acts on, CapFE or CapBE (0:
	// both, or not a proxy keyword). In a proxy of the other side (`balance`
	// in a frontend, `bind` in a backend) haproxy checks the arguments,
	// then ignores the line with a warning; so do we, with sideWarning.
	side        Cap
	sideWarning string
	// warnLate says that haproxy checks the arguments before it warns
	// (proxy_parse_timeout), so a bad value is an error alone.
	warnLate bool
	// prefix: a two-word keyword whose second word may go on with its
	// arguments ("http-request set-var(txn.x)"); its parser gets that
	// whole second word first.
	prefix bool
}

// ignoredWarning is haproxy's warning for a keyword in a proxy without the
// capability it acts on (warnifnotcap in cfgparse.c): it is formatted with
// the keyword, the proxy's kind and name, and the missing capability.
const ignoredWarning = "'%[1]s' ignored because %[2]s '%[3]s' has no %[4]s capability."

// actsOn declares the side a keyword acts on and the warning that reports
// it ignored elsewhere (see keyword.side).
func (kw *keyword) actsOn(side Cap, warning string) *keyword {
	kw.side, kw.sideWarning = side, warning
	return kw
}

// actsOnLate is actsOn for a keyword whose warning comes only once its
// arguments are known good.
func (kw *keyword) actsOnLate(side Cap, warning string) *keyword {
	kw.actsOn(side, warning).warnLate = true
	return kw
}

// ignoredIn says whether the keyword is ignored in proxy px, which lacks the
// capability the keyword acts on. A defaults section has both.
func (kw *keyword) ignoredIn(px *Proxy) bool {
	return kw.side != 0 && px != nil && px.Cap&(kw.side|CapDef) == 0
}

// registry maps a keyword to its rows; a name may have one row per
// section kind (`maxconn` means one thing in global, another in a proxy).
var registry = map[string][]*keyword{}

// register adds a keyword; two rows for the same name and section are a
// programming error.
func register(where Section, name string, parse func(p *parser, args []string) error) *keyword {
	for _, kw := range registry[name] {
		if kw.where&where != 0 {
			panic("config: keyword registered twice: " + name)
		}
	}
	kw := &keyword{name: name, where: where, parse: parse}
	registry[name] = append(registry[name], kw)
	return kw
}

// find returns the row of name for a section, or any row of name when none
// fits (so that the caller can say where it is allowed).
func find(name string, sec Section) *keyword {
	rows := registry[name]
	for _, kw := range rows {
		if kw.where&sec != 0 {
			return kw
		}
	}
	for _, kw := range rows {
		if kw.where < secFirstFree {
			return kw // a core keyword also known in a registered section (errorfile)
		}
	}
	if len(rows) > 0 {
		return rows[0]
	}
	return nil
}

// registerNegatable is register for keywords that take a "no" prefix.
func registerNegatable(where Section, name string, parse func(p *parser, args []string) error) *keyword {
	k := register(where, name, parse)
	k.negatable = true
	return k
}

// notYet lists keywords of haproxy that later issues will implement. They are
// rejected with a message saying so rather than "unknown keyword", so that a
// user knows the config is valid haproxy and what to wait for.
var notYet = map[string]bool{}

func registerNotYet(names ...string) {
	for _, n := range names {
		notYet[n] = true
	}
}

// ignoredTuning lists keywords that have no meaning for switchyard; they are
// accepted with a warning (documented in docs/configuration.md).
var ignoredTuning = map[string]string{}

// lookup finds the keyword for a line: two-word keywords ("timeout client")
// first, then one-word ones. It returns how many words the keyword used.
func lookup(args []string, sec Section) (*keyword, int) {
	if len(args) > 1 {
		if kw := find(args[0]+" "+args[1], sec); kw != nil {
			if kw.prefix {
				return kw, 1
			}
			return kw, 2
		}
		if i := strings.IndexByte(args[1], '('); i > 0 {
			if kw := find(args[0]+" "+args[1][:i], sec); kw != nil && kw.prefix {
				return kw, 1
			}
		}
		// An action named by a prefix and a name the configuration
		// defines (http-request lua.NAME).
		if i := strings.IndexByte(args[1], '.'); i > 0 {
			if kw := find(args[0]+" "+args[1][:i+1], sec); kw != nil && kw.prefix {
				return kw, 1
			}
		}
	}
	return find(args[0], sec), 1
}

// sectionName names a section bit for messages.
func sectionName(s Section) string {
	switch s {
	case SecGlobal:
		return "global"
	case SecDefaults:
		return "defaults"
	case SecFrontend:
		return "frontend"
	case SecBackend:
		return "backend"
	case SecListen:
		return "listen"
	}
	for name, k := range sectionKinds {
		if k.sec == s {
			return name
		}
	}
	return "?"
}

// suggest returns the registered keyword closest to word for "did you mean".
func suggest(word string, where Section) string {
	best, bestD := "", 4
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if find(n, where).where&where == 0 {
			continue
		}
		if d := typo.Distance(word, n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// unknownKeyword builds the message for a keyword nobody registered.
func unknownKeyword(args []string, where Section) error {
	two := ""
	if len(args) > 1 {
		two = args[0] + " " + args[1]
	}
	switch {
	case two != "" && notYet[two]:
		return fmt.Errorf("'%s' is not supported yet by switchyard", two)
	case notYet[args[0]]:
		return fmt.Errorf("'%s' is not supported yet by switchyard", args[0])
	}
	msg := fmt.Sprintf("unknown keyword '%s' in '%s' section", args[0], sectionName(where))
	if _, multi := multiWord[args[0]]; multi && len(args) > 1 {
		msg = fmt.Sprintf("unknown keyword '%s %s' in '%s' section", args[0], args[1], sectionName(where))
		if s := suggest(two, where); s != "" {
			msg += fmt.Sprintf("; did you mean '%s' maybe ?", s)
		}
		return fmt.Errorf("%s", msg)
	}
	if s := suggest(args[0], where); s != "" {
		msg += fmt.Sprintf("; did you mean '%s' maybe ?", s)
	}
	return fmt.Errorf("%s", msg)
}

// multiWord are first words that only make sense with a second one.
var multiWord = map[string]struct{}{
	"option": {}, "timeout": {}, "http-request": {}, "http-response": {},
	"tcp-request": {}, "tcp-response": {}, "stats": {}, "http-check": {},
	"tcp-check": {}, "http-after-response": {}, "stick": {},
}
