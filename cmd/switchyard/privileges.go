package main

import (
	"bufio"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"switchyard/config"
)

// The global section's chroot, user/uid and group/gid, taken as haproxy
// takes them: once every socket that needs the privileges is open (the
// listeners, the stats sockets, the pid file), the process chroots, sets
// its groups to the one group, then its gid, then its uid. On Linux, Go
// applies setgroups, setgid and setuid to every thread of the process (Go
// 1.16 and later), so no thread keeps the old identity.
//
// The work is split in two: checkPrivileges runs before the previous
// process is told to stop (-sf/-st), so that a start that cannot take the
// identity asked for leaves the old process serving; dropPrivileges runs
// after, because a process that dropped root can no longer signal a
// previous one that still runs as root.

// Linux capability numbers (linux/capability.h).
const (
	capSetGID    = 6
	capSetUID    = 7
	capSysChroot = 18
)

// droppedTo is what dropPrivileges made of the process, for reloads (nil:
// nothing yet).
var droppedTo atomic.Pointer[config.Privileges]

// checkPrivileges says why the process cannot become what p asks for, or
// nil. Nothing is changed. A process that is not root (or lacks the
// capability) and is asked for another uid, gid or a chroot refuses to
// start, as haproxy does ("Cannot set uid N."), rather than run with other
// privileges than the configuration says.
func checkPrivileges(p config.Privileges) error {
	if p.Chroot != "" {
		st, err := os.Stat(p.Chroot)
		switch {
		case err != nil:
			return fmt.Errorf("Cannot chroot(%s): %v", p.Chroot, pathErr(err))
		case !st.IsDir():
			return fmt.Errorf("Cannot chroot(%s): not a directory", p.Chroot)
		case !hasCap(capSysChroot):
			return fmt.Errorf("Cannot chroot(%s): switchyard runs as uid %d, which may not chroot (run it as root)", p.Chroot, os.Geteuid())
		}
	}
	if p.HasGID && changesGID(p.GID) && !hasCap(capSetGID) {
		return fmt.Errorf("Cannot set gid %d: switchyard runs as uid %d, gid %d, and only root may change its group", p.GID, os.Geteuid(), os.Getegid())
	}
	if p.HasUID && changesUID(p.UID) && !hasCap(capSetUID) {
		return fmt.Errorf("Cannot set uid %d: switchyard runs as uid %d, and only root may change its user", p.UID, os.Geteuid())
	}
	return nil
}

// dropPrivileges chroots and takes the group and user p asks for, and
// checks the result: a process that could not become what was asked
// stops instead of running on.
func dropPrivileges(p config.Privileges, log *slog.Logger) error {
	if err := checkPrivileges(p); err != nil {
		return err
	}
	if p.Chroot != "" {
		// What the runtime reads lazily from the file system must be
		// read before it goes out of reach: the local time zone, for
		// the logs' dates.
		time.Now().Zone()
		if err := syscall.Chroot(p.Chroot); err != nil {
			return fmt.Errorf("Cannot chroot(%s): %v", p.Chroot, err)
		}
		if err := os.Chdir("/"); err != nil {
			return fmt.Errorf("Cannot chroot(%s): %v", p.Chroot, err)
		}
	}
	// The supplementary groups go whenever a user or a group is asked
	// for: root's groups would otherwise stay with the new user. (haproxy
	// leaves them when only `user` is set; switchyard keeps only the
	// process's group.)
	gid := os.Getegid()
	if p.HasGID {
		gid = p.GID
	}
	if p.HasGID || p.HasUID {
		if hasCap(capSetGID) {
			if err := syscall.Setgroups([]int{gid}); err != nil {
				return fmt.Errorf("Cannot set the supplementary groups to gid %d: %v", gid, err)
			}
		} else if hasOtherGroups(gid) {
			// Not root, and already the ids asked for: haproxy's
			// warning.
			log.Warn("Failed to drop supplementary groups. Using 'gid'/'group' without 'uid'/'user' is generally useless.")
		}
	}
	if p.HasGID && changesGID(p.GID) {
		if err := syscall.Setgid(p.GID); err != nil {
			return fmt.Errorf("Cannot set gid %d: %v", p.GID, err)
		}
	}
	if p.HasUID && changesUID(p.UID) {
		if err := syscall.Setuid(p.UID); err != nil {
			return fmt.Errorf("Cannot set uid %d: %v", p.UID, err)
		}
	}
	if p.HasGID && changesGID(p.GID) || p.HasUID && changesUID(p.UID) {
		return fmt.Errorf("running as uid %d/%d, gid %d/%d after dropping privileges, not as asked", os.Getuid(), os.Geteuid(), os.Getgid(), os.Getegid())
	}
	if p.Chroot != "" || p.HasGID || p.HasUID {
		log.Info("privileges dropped", "chroot", p.Chroot, "uid", os.Geteuid(), "gid", os.Getegid())
	}
	droppedTo.Store(&p)
	return nil
}

// warnPrivilegeChange says, on a reload, that the identity the new
// configuration asks for is not the one the process took at start: a
// process that dropped root cannot take it back, so the change waits for a
// restart (haproxy's master re-executes itself to apply it).
func warnPrivilegeChange(cfg *config.Config, log *slog.Logger) {
	if was := droppedTo.Load(); was != nil && *was != cfg.Global.Privileges {
		log.Warn("chroot, user and group changes take effect at the next restart; the process keeps its identity",
			"uid", os.Geteuid(), "gid", os.Getegid(), "chroot", was.Chroot)
	}
}

// changesUID and changesGID say whether taking the id changes anything:
// a process already running as it (real and effective) needs no right.
func changesUID(uid int) bool { return os.Getuid() != uid || os.Geteuid() != uid }
func changesGID(gid int) bool { return os.Getgid() != gid || os.Getegid() != gid }

// hasOtherGroups says whether the process has supplementary groups
// besides gid.
func hasOtherGroups(gid int) bool {
	groups, err := os.Getgroups()
	return err == nil && slices.ContainsFunc(groups, func(g int) bool { return g != gid })
}

// hasCap says whether the process holds capability n: root has them all,
// a service manager may grant them to another user. Without /proc, only
// root is taken for privileged.
func hasCap(n uint) bool {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return os.Geteuid() == 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "CapEff:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return err == nil && mask&(1<<n) != 0
		}
	}
	return os.Geteuid() == 0
}

// pathErr is err without the path os.Stat puts in front, which the
// message already names.
func pathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
