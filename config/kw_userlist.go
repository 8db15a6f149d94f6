package config

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"

	"switchyard/auth"
	"switchyard/sample"
)

// userlist sections, the http_auth and http_auth_group fetches that check
// a request's Basic credentials against them, and `http-request auth`.

type userlistsKey struct{}

// Userlists are the configuration's userlist sections by name.
func Userlists(g *Global) map[string]*auth.Userlist {
	m, _ := g.Ext[userlistsKey{}].(map[string]*auth.Userlist)
	return m
}

// AuthArgs are the arguments of `http-request auth`.
type AuthArgs struct {
	Realm string // "": the proxy's name, as haproxy
}

func init() {
	var cur *auth.Userlist
	var pending [][2]string // group ... users ...: (user, group), checked at the end
	secUserlist := RegisterSection("userlist", func(c *Context, args []string) error {
		cur, pending = nil, nil
		if len(args) == 0 {
			return fmt.Errorf("'userlist' expects <name> as argument")
		}
		lists := Userlists(c.Global())
		if lists == nil {
			lists = map[string]*auth.Userlist{}
			c.Global().Ext.Set(userlistsKey{}, lists)
		}
		if lists[args[0]] != nil {
			return fmt.Errorf("userlist '%s' already exists", args[0])
		}
		cur = auth.New(args[0])
		lists[args[0]] = cur
		return nil
	}, func(c *Context) error {
		if cur == nil {
			return nil
		}
		for _, p := range pending {
			if !cur.JoinGroup(p[0], p[1]) {
				return fmt.Errorf("userlist '%s': no such user '%s' in group '%s'", cur.Name, p[0], p[1])
			}
		}
		if u, g := cur.UndeclaredGroup(); u != "" {
			return fmt.Errorf("userlist '%s': user '%s' belongs to unknown group '%s'", cur.Name, u, g)
		}
		return nil
	})
	RegisterKeyword(secUserlist, "group", func(c *Context, args []string) error {
		if cur == nil {
			return nil // the header line failed and said so
		}
		if len(args) == 0 {
			return fmt.Errorf("expects <name> as argument")
		}
		if err := cur.AddGroup(args[0]); err != nil {
			return err
		}
		for i := 1; i < len(args); i++ {
			if args[i] != "users" || i+1 >= len(args) {
				return fmt.Errorf("unexpected argument '%s', expects 'users <user>,...'", args[i])
			}
			i++
			for _, u := range strings.Split(args[i], ",") {
				pending = append(pending, [2]string{u, args[0]})
			}
		}
		return nil
	})
	RegisterKeyword(secUserlist, "user", func(c *Context, args []string) error {
		if cur == nil {
			return nil
		}
		if len(args) == 0 {
			return fmt.Errorf("expects <name> as argument")
		}
		var secret string
		insecure, hasPass := false, false
		var groups []string
		for i := 1; i < len(args); i++ {
			if i+1 >= len(args) {
				return fmt.Errorf("'%s' expects an argument", args[i])
			}
			switch args[i] {
			case "password", "insecure-password":
				secret, insecure, hasPass = args[i+1], args[i] == "insecure-password", true
			case "groups":
				groups = append(groups, strings.Split(args[i+1], ",")...)
			default:
				return fmt.Errorf("unexpected argument '%s', expects 'password', 'insecure-password' or 'groups'", args[i])
			}
			i++
		}
		if !hasPass {
			// haproxy accepts a user without a password; nobody can log in.
			secret, insecure = "", false
			return cur.AddUser(args[0], "$6$-$-", false, groups)
		}
		return cur.AddUser(args[0], secret, insecure, groups)
	})
	delete(unsupportedSections, "userlist")

	// Userlists are found by the fetches once every section is read.
	RegisterLookup("userlist", func(c *Context, name string) any {
		if l := Userlists(c.Global())[name]; l != nil {
			return l
		}
		return nil
	})
	for _, name := range []string{"http_auth", "http_auth_group"} {
		group := name == "http_auth_group"
		out := sample.TypeBool
		if group {
			out = sample.TypeStr
		}
		sample.RegisterFetch(sample.FetchDef{Name: name, Args: []sample.ArgType{sample.ArgStr}, MinArgs: 1,
			Out: out, Src: sample.SrcHTTPReq,
			Compile: func(env *sample.Env, args []sample.Arg) (sample.FetchFunc, error) {
				list := resolveUserlist(env, args[0].Str)
				return func(c *sample.Ctx) (sample.Value, bool) {
					user, ok := checkBasic(c, *list)
					if !group {
						return sample.Bool(ok), true
					}
					return sample.Str(user), ok
				}, nil
			},
			Each: func(env *sample.Env, args []sample.Arg) (func(c *sample.Ctx, i int) (sample.Value, bool), error) {
				if !group {
					return nil, nil
				}
				// As an ACL, http_auth_group matches the user's groups.
				list := resolveUserlist(env, args[0].Str)
				return func(c *sample.Ctx, i int) (sample.Value, bool) {
					user, ok := checkBasic(c, *list)
					if !ok {
						return sample.Value{}, false
					}
					gs := (*list).Groups(string(user))
					if i >= len(gs) {
						return sample.Value{}, false
					}
					return sample.Str([]byte(gs[i])), true
				}, nil
			}})
	}

	RegisterAction(&ActionDef{Name: "auth", Where: HTTPRequestRules, Final: true,
		Parse: func(c *RuleContext, r *HTTPRule, args []string) (int, error) {
			a := &AuthArgs{}
			r.Args = a
			if len(args) > 0 && args[0] == "realm" {
				if len(args) < 2 {
					return 0, fmt.Errorf("missing realm value")
				}
				a.Realm = args[1]
				return 2, nil
			}
			return 0, nil
		}})
	delete(notYet, "http-request auth")
}

// resolveUserlist returns where the userlist of that name will be once the
// configuration is read (userlists may come after their users).
func resolveUserlist(env *sample.Env, name string) **auth.Userlist {
	var list *auth.Userlist
	check := func() error {
		if env == nil || env.Lookup == nil {
			return fmt.Errorf("unable to find userlist '%s'", name)
		}
		l, _ := env.Lookup("userlist", name).(*auth.Userlist)
		if l == nil {
			return fmt.Errorf("unable to find userlist '%s'", name)
		}
		list = l
		return nil
	}
	if env != nil && env.Later != nil {
		env.Later(check)
	} else {
		check()
	}
	return &list
}

// checkBasic reads the request's Basic credentials and checks them: it
// returns the user name and whether the password is right.
func checkBasic(c *sample.Ctx, list *auth.Userlist) ([]byte, bool) {
	if c.Req == nil || list == nil {
		return nil, false
	}
	var hdr []byte
	for i := 0; i < c.Req.NumHeaders(); i++ {
		if n, v := c.Req.Header(i); strings.EqualFold(string(n), "authorization") {
			hdr = v // the last one, as haproxy's
		}
	}
	scheme, cred, ok := bytes.Cut(bytes.TrimSpace(hdr), []byte(" "))
	if !ok || !strings.EqualFold(string(scheme), "basic") {
		return nil, false
	}
	dec := make([]byte, base64.StdEncoding.DecodedLen(len(cred)))
	n, err := base64.StdEncoding.Decode(dec, bytes.TrimSpace(cred))
	if err != nil {
		return nil, false
	}
	user, pass, ok := bytes.Cut(dec[:n], []byte(":"))
	if !ok {
		return nil, false
	}
	return user, list.Check(string(user), pass)
}
