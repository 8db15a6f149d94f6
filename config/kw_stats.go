package config

import (
	"fmt"
	"strings"
	"time"

	"switchyard/auth"
	"switchyard/sample"
)

// The stats page of a proxy (`stats enable`, `stats uri`…): haproxy's HTML
// page, CSV and JSON at a URI prefix, read-only unless `stats admin`
// allows the page's actions. The page itself is package stats'; the proxy
// answers it through the service registered as "stats".

// StatsPage are a proxy's `stats` settings. A section starts with its
// defaults' (the pointer is shared until the section changes one).
type StatsPage struct {
	URI          string // the prefix the page answers at
	Realm        string
	Users        *auth.Userlist // `stats auth`; nil: no authentication
	Refresh      time.Duration
	HideVersion  bool
	ShowLegends  bool
	ShowNode     bool
	Node         string // `stats show-node NAME`; "": the global node
	ShowDesc     bool
	Desc         string
	Scope        []string       // `stats scope`: proxies listed ("." is the one serving the page)
	Admin        []*sample.Cond // `stats admin if|unless`: any that holds allows admin
	owner        *Proxy
	usersPending []string
}

// Default stats settings, haproxy's build defaults.
const (
	DefaultStatsURI   = "/haproxy?stats"
	DefaultStatsRealm = "HAProxy Statistics"
)

// AuthCheck checks a request's Basic credentials against the page's
// users: the user name and whether access is granted (always, when the
// page has no `stats auth`).
func (sp *StatsPage) AuthCheck(c *sample.Ctx) bool {
	if sp.Users == nil {
		return true
	}
	_, ok := checkBasic(c, sp.Users)
	return ok
}

// stats returns the section's own stats settings, copying the inherited
// ones on first change, and enables the page.
func (p *parser) stats() *StatsPage {
	sp := p.cur.Stats
	if sp == nil {
		sp = &StatsPage{URI: DefaultStatsURI, Realm: DefaultStatsRealm}
	} else if sp.owner != p.cur {
		c := *sp
		c.Scope = append([]string(nil), sp.Scope...)
		c.Admin = append([]*sample.Cond(nil), sp.Admin...)
		c.usersPending = append([]string(nil), sp.usersPending...)
		sp = &c
	}
	sp.owner = p.cur
	p.cur.Stats = sp
	return sp
}

func init() {
	// option socket-stats: each listener of the frontend gets its own row
	// in the statistics (and haproxy_listener_* metrics).
	registerNegatable(SecProxy, "option socket-stats", func(p *parser, args []string) error {
		on, err := negFlag(args)
		p.cur.SocketStats = on
		return err
	}).actsOn(CapFE, "'socket-stats' ignored because %[2]s '%[3]s' has no %[4]s capability.")
	all := SecDefaults | SecFrontend | SecBackend
	flag := func(name string, set func(sp *StatsPage)) {
		register(all, "stats "+name, func(p *parser, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("takes no argument")
			}
			set(p.stats())
			return nil
		})
	}
	flag("enable", func(*StatsPage) {})
	flag("hide-version", func(sp *StatsPage) { sp.HideVersion = true })
	flag("show-legends", func(sp *StatsPage) { sp.ShowLegends = true })
	register(all, "stats uri", func(p *parser, args []string) error {
		if len(args) != 1 || args[0] == "" {
			return fmt.Errorf("needs an URI prefix")
		}
		p.stats().URI = args[0]
		return nil
	})
	register(all, "stats realm", func(p *parser, args []string) error {
		if len(args) != 1 || args[0] == "" {
			return fmt.Errorf("needs a realm name")
		}
		p.stats().Realm = args[0]
		return nil
	})
	register(all, "stats refresh", func(p *parser, args []string) error {
		if len(args) != 1 {
			return fmt.Errorf("needs a delay")
		}
		d, err := ParseDuration(args[0])
		if err != nil {
			return err
		}
		p.stats().Refresh = d
		return nil
	})
	register(all, "stats auth", func(p *parser, args []string) error {
		if len(args) != 1 || args[0] == "" {
			return fmt.Errorf("needs a user:password account")
		}
		user, pass, _ := strings.Cut(args[0], ":")
		sp := p.stats()
		// A fresh list per section: a section adding users must not add
		// them to its defaults'.
		list := auth.New("stats-auth")
		for _, u := range sp.usersPending {
			name, pw, _ := strings.Cut(u, ":")
			list.AddUser(name, pw, true, nil)
		}
		if err := list.AddUser(user, pass, true, nil); err != nil {
			return err
		}
		sp.usersPending = append(sp.usersPending, args[0])
		sp.Users = list
		return nil
	})
	register(all, "stats scope", func(p *parser, args []string) error {
		if len(args) != 1 {
			return fmt.Errorf("needs a proxy name")
		}
		sp := p.stats()
		sp.Scope = append(sp.Scope, args[0]) // "." is resolved by the proxy serving the page
		return nil
	})
	register(all, "stats show-node", func(p *parser, args []string) error {
		if len(args) > 1 {
			return fmt.Errorf("takes at most one node name")
		}
		sp := p.stats()
		sp.ShowNode = true
		if len(args) == 1 {
			sp.Node = args[0]
		}
		return nil
	})
	register(all, "stats show-desc", func(p *parser, args []string) error {
		sp := p.stats()
		sp.ShowDesc = true
		sp.Desc = strings.Join(args, " ")
		return nil
	})
	register(SecFrontend|SecBackend, "stats admin", func(p *parser, args []string) error {
		if len(args) == 0 {
			return fmt.Errorf("requires either 'if' or 'unless' followed by a condition")
		}
		if args[0] != "if" && args[0] != "unless" {
			return fmt.Errorf("requires either 'if' or 'unless' followed by a condition")
		}
		c, err := p.cond(args)
		if err != nil {
			return err
		}
		sp := p.stats()
		sp.Admin = append(sp.Admin, c)
		return nil
	})
}
