package config

import (
	"fmt"
	"math"
	"os/user"
	"strconv"
)

// The process's privileges: `chroot`, `user`/`uid` and `group`/`gid` of
// the global section. The configuration only says what to become; package
// main applies it once the sockets are open (cmd/switchyard/privileges.go).

// Privileges is what the process becomes once its listening sockets are
// open: chrooted into Chroot ("": not), then running as GID and UID.
type Privileges struct {
	Chroot string
	// UID and GID are the ids asked for; HasUID and HasGID say whether a
	// line asked at all (a process asked for uid 0 that is not root must
	// refuse to start, not run as what it happens to be).
	UID, GID       int
	HasUID, HasGID bool
}

func init() {
	register(SecGlobal, "user", func(p *parser, args []string) error {
		if err := tooManyArgs(args, 1); err != nil {
			return err
		}
		if p.idAlreadySet("user") {
			return nil
		}
		name := argOrEmpty(args)
		u, err := user.Lookup(name)
		if err != nil || name == "" {
			return fmt.Errorf("cannot find user id for '%s'", name)
		}
		id, _ := strconv.Atoi(u.Uid)
		p.setID(true, id)
		return nil
	})
	register(SecGlobal, "group", func(p *parser, args []string) error {
		if err := tooManyArgs(args, 1); err != nil {
			return err
		}
		if p.idAlreadySet("group") {
			return nil
		}
		name := argOrEmpty(args)
		g, err := user.LookupGroup(name)
		if err != nil || name == "" {
			return fmt.Errorf("cannot find group id for '%s'", name)
		}
		id, _ := strconv.Atoi(g.Gid)
		p.setID(false, id)
		return nil
	})
	register(SecGlobal, "uid", numericIDKw(true))
	register(SecGlobal, "gid", numericIDKw(false))
	register(SecGlobal, "chroot", func(p *parser, args []string) error {
		if err := tooManyArgs(args, 1); err != nil {
			return err
		}
		if p.cfg.Global.Privileges.Chroot != "" {
			p.warnf("'chroot' already specified. Continuing.")
			return nil
		}
		if argOrEmpty(args) == "" {
			return fmt.Errorf("expects a directory as an argument.")
		}
		p.cfg.Global.Privileges.Chroot = args[0]
		return nil
	})
}

// numericIDKw is `uid N` or `gid N`.
func numericIDKw(isUser bool) func(p *parser, args []string) error {
	kw, named := "gid", "group"
	if isUser {
		kw, named = "uid", "user"
	}
	return func(p *parser, args []string) error {
		if err := tooManyArgs(args, 1); err != nil {
			return err
		}
		if p.idAlreadySet(kw) {
			return nil
		}
		s := argOrEmpty(args)
		if s == "" {
			return fmt.Errorf("expects an integer argument.")
		}
		// haproxy only warns here and keeps the id it had (root): a
		// typo would silently leave the process privileged, so it is
		// an error. So is a negative id, which haproxy fails to set at
		// start.
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n > math.MaxInt32 {
			return fmt.Errorf("%s: string '%s' is not a number. You might want to use the '%s' parameter to use a system %s name.", kw, s, named, named)
		}
		if n < 0 {
			return fmt.Errorf("%s: '%s' is not a valid %s id", kw, s, named)
		}
		p.setID(isUser, int(n))
		return nil
	}
}

// idAlreadySet warns, as haproxy 2.6, when keyword kw finds a user (or a
// group) already chosen, and says so: the first line wins. As in haproxy,
// a previous id 0 counts as not chosen. (haproxy prints it as an alert
// that is not fatal: a warning here.)
func (p *parser) idAlreadySet(kw string) bool {
	pr := &p.cfg.Global.Privileges
	switch {
	case (kw == "user" || kw == "uid") && pr.HasUID && pr.UID != 0:
		p.warnf("user/uid already specified. Continuing.")
		return true
	case kw == "gid" && pr.HasGID && pr.GID != 0:
		p.warnf("group/gid already specified. Continuing.")
		return true
	case kw == "group" && pr.HasGID && pr.GID != 0:
		p.warnf("gid/group was already specified. Continuing.")
		return true
	}
	return false
}

func (p *parser) setID(isUser bool, id int) {
	pr := &p.cfg.Global.Privileges
	if isUser {
		pr.UID, pr.HasUID = id, true
	} else {
		pr.GID, pr.HasGID = id, true
	}
}

// tooManyArgs is haproxy's alertif_too_many_args.
func tooManyArgs(args []string, max int) error {
	if len(args) > max {
		return fmt.Errorf("cannot handle unexpected argument '%s'.", args[max])
	}
	return nil
}

func argOrEmpty(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return args[0]
}
