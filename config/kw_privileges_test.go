package config

import (
	"os/user"
	"strconv"
	"testing"
)

// chroot, user, uid, group, gid. Messages are haproxy 2.6.12's (checked
// with `haproxy -c`) inside switchyard's "'keyword': message" frame; where
// haproxy only warns about an id that is not a number (and then runs as
// root), switchyard refuses the line.

func init() { moreKeywordCases = append(moreKeywordCases, privilegeKeywordCases) }

// needAccounts skips a case on a system without the accounts it names.
func needAccounts(t *testing.T) {
	if _, err := user.Lookup("nobody"); err != nil {
		t.Skip("no user 'nobody' on this system")
	}
	if _, err := user.LookupGroup("nogroup"); err != nil {
		t.Skip("no group 'nogroup' on this system")
	}
}

func privilegeKeywordCases() []kwCase {
	privs := func(want Privileges) kwCheck {
		return func(t *testing.T, c *Config, _ *Proxy) {
			if got := c.Global.Privileges; got != want {
				t.Errorf("Privileges = %+v, want %+v", got, want)
			}
		}
	}
	nobody := func() int {
		u, err := user.Lookup("nobody")
		if err != nil {
			return -1
		}
		n, _ := strconv.Atoi(u.Uid)
		return n
	}()
	nogroup := func() int {
		g, err := user.LookupGroup("nogroup")
		if err != nil {
			return -1
		}
		n, _ := strconv.Atoi(g.Gid)
		return n
	}()
	return []kwCase{
		{kw: "user", in: inGlobal, src: "user nobody", setup: needAccounts, check: privs(Privileges{UID: nobody, HasUID: true})},
		{kw: "user", in: inGlobal, name: "the first wins", src: "user nobody\nuid 5", setup: needAccounts,
			warn: "t.cfg:3: user/uid already specified. Continuing.", check: privs(Privileges{UID: nobody, HasUID: true})},
		// haproxy 2.6 takes uid 0 for "not chosen".
		{kw: "user", in: inGlobal, name: "after uid 0", src: "uid 0\nuser nobody", setup: needAccounts, check: privs(Privileges{UID: nobody, HasUID: true})},
		{kw: "user", in: inGlobal, src: "user no-such-user-here", err: "t.cfg:2: 'user': cannot find user id for 'no-such-user-here'"},
		{kw: "user", in: inGlobal, src: "user", err: "t.cfg:2: 'user': cannot find user id for ''"},
		{kw: "user", in: inGlobal, src: "user nobody other", err: "t.cfg:2: 'user': cannot handle unexpected argument 'other'."},

		{kw: "group", in: inGlobal, src: "group nogroup", setup: needAccounts, check: privs(Privileges{GID: nogroup, HasGID: true})},
		{kw: "group", in: inGlobal, name: "the first wins", src: "gid 5\ngroup nogroup",
			warn: "t.cfg:3: gid/group was already specified. Continuing.", check: privs(Privileges{GID: 5, HasGID: true})},
		{kw: "group", in: inGlobal, src: "group no-such-group-here", err: "t.cfg:2: 'group': cannot find group id for 'no-such-group-here'"},
		{kw: "group", in: inGlobal, src: "group a b", err: "t.cfg:2: 'group': cannot handle unexpected argument 'b'."},

		{kw: "uid", in: inGlobal, src: "uid 65000", check: privs(Privileges{UID: 65000, HasUID: true})},
		{kw: "uid", in: inGlobal, name: "root asked for", src: "uid 0", check: privs(Privileges{UID: 0, HasUID: true})},
		{kw: "uid", in: inGlobal, src: "uid", err: "t.cfg:2: 'uid': expects an integer argument."},
		{kw: "uid", in: inGlobal, src: "uid 1 2", err: "t.cfg:2: 'uid': cannot handle unexpected argument '2'."},
		{kw: "uid", in: inGlobal, src: "uid www", err: "t.cfg:2: 'uid': uid: string 'www' is not a number. You might want to use the 'user' parameter to use a system user name."},
		{kw: "uid", in: inGlobal, src: "uid 99999999999", err: "t.cfg:2: 'uid': uid: string '99999999999' is not a number...."},
		{kw: "uid", in: inGlobal, src: "uid -1", err: "t.cfg:2: 'uid': uid: '-1' is not a valid user id"},

		{kw: "gid", in: inGlobal, src: "gid 65000", check: privs(Privileges{GID: 65000, HasGID: true})},
		{kw: "gid", in: inGlobal, name: "the first wins", src: "gid 7\ngid 8",
			warn: "t.cfg:3: group/gid already specified. Continuing.", check: privs(Privileges{GID: 7, HasGID: true})},
		{kw: "gid", in: inGlobal, src: "gid", err: "t.cfg:2: 'gid': expects an integer argument."},
		{kw: "gid", in: inGlobal, src: "gid x", err: "t.cfg:2: 'gid': gid: string 'x' is not a number. You might want to use the 'group' parameter to use a system group name."},

		// Whether the directory exists is known at start only (-c may run
		// elsewhere), as in haproxy.
		{kw: "chroot", in: inGlobal, src: "chroot /var/empty", check: privs(Privileges{Chroot: "/var/empty"})},
		{kw: "chroot", in: inGlobal, name: "the first wins", src: "chroot /a\nchroot /b",
			warn: "t.cfg:3: 'chroot' already specified. Continuing.", check: privs(Privileges{Chroot: "/a"})},
		{kw: "chroot", in: inGlobal, src: "chroot", err: "t.cfg:2: 'chroot': expects a directory as an argument."},
		{kw: "chroot", in: inGlobal, src: "chroot /a /b", err: "t.cfg:2: 'chroot': cannot handle unexpected argument '/b'."},
	}
}
