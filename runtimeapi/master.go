package runtimeapi

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"switchyard/admin"
	"switchyard/config"
)

// The master CLI (-S): haproxy's master process's socket, which supervises
// the workers and reaches their CLIs with an @ prefix. switchyard reloads
// in place, so the master and its one worker are the same process: `show
// proc` lists it in both roles, `reload` reloads it, and `@1`, `@!PID` or
// a bare `@1` line that switches the session reach the worker's CLI.

// MasterInfo is what `show proc` and `reload` need of the process.
type MasterInfo struct {
	Reload          func()
	Reloads, Failed func() int
	Started         time.Time
	// Programs lists the running instances of the program sections in
	// the order they started, current and old ones mixed (nil: none).
	Programs func() []Program
}

// Program is a running instance of a program section, as `show proc`
// lists it.
type Program struct {
	Name    string
	PID     int
	Reloads int // reloads since it started
	Started time.Time
	// Old: a reload started a new instance (or removed the section) and
	// this one was told to leave but has not exited yet.
	Old bool
}

// ServeMaster serves the master CLI on the -S sockets.
func (s *Server) ServeMaster(socks []*config.StatsSocket, info MasterInfo) error {
	s.master = info
	for _, sc := range socks {
		ln, _, err := openSocket(sc)
		if err == nil {
			err = place(ln)
		}
		if err != nil {
			return fmt.Errorf("-S %s: %w", displayAddr(sc), err)
		}
		o := socketOptions(sc)
		o.Master = true
		go s.Serve(ln, o)
	}
	return nil
}

// masterExec runs a line of the master CLI; handled is false for a line
// the worker's CLI must run (the session is on the worker, or the line
// was prefixed with its @).
func (s *session) masterExec(line string) (rest string, handled bool) {
	w := strings.Fields(line)
	if len(w) > 0 && strings.HasPrefix(w[0], "@") {
		target := w[0][1:]
		if target != "" && target != "1" && target != "!"+strconv.Itoa(os.Getpid()) {
			s.out = append(s.out, "Can't find the target process!\n"...)
			return "", true
		}
		if len(w) == 1 {
			s.onWorker = target != "" // "@" alone: back to the master
			return "", true
		}
		return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), w[0])), false
	}
	if s.onWorker {
		return line, false
	}
	switch strings.Join(w, " ") {
	case "show proc":
		s.out = append(s.out, s.showProc()...)
	case "reload":
		if s.level < admin.Operator { // operator at least, as haproxy
			s.out = append(s.out, "Permission denied\n"...)
			return "", true
		}
		s.srv.master.Reload()
		s.quit = true // haproxy's reload closes the master CLI's connection
	case "help", "":
		s.out = append(s.out, masterHelp...)
	case "prompt", "quit", "expert-mode on", "expert-mode off", "experimental-mode on", "experimental-mode off":
		return line, false
	default:
		s.out = append(s.out, masterHelp...)
	}
	return "", true
}

const masterHelp = "Unknown command, but maybe one of the following ones is a better match:\n" +
	"  help           : this message\n" +
	"  prompt         : toggle interactive mode with prompt\n" +
	"  quit           : disconnect\n" +
	"  @<relative pid> : send a command to the <relative pid> process\n" +
	"  @!<pid>        : send a command to the <pid> process\n" +
	"  @master        : send a command to the master process\n" +
	"  show proc      : show processes status\n" +
	"  reload         : reload haproxy\n"

// showProc is `show proc`: the process as master and as its worker, then
// the programs. The columns are haproxy's, 15 characters wide and padded
// to the end of the line.
func (s *session) showProc() string {
	m := s.srv.master
	reloads, failed := 0, 0
	if m.Reloads != nil {
		reloads, failed = m.Reloads(), m.Failed()
	}
	pid := os.Getpid()
	now := time.Now()
	var b strings.Builder
	row := func(pid any, typ string, reloads any, started time.Time, version string) {
		fmt.Fprintf(&b, "%-15v %-15s %-15v %-15s %-15s\n", pid, typ, reloads, uptime(now.Sub(started)), version)
	}
	fmt.Fprintf(&b, "#%-14s %-15s %-15s %-15s %-15s\n", "<PID>", "<type>", "<reloads>", "<uptime>", "<version>")
	row(pid, "master", fmt.Sprintf("%d [failed: %d]", reloads, failed), m.Started, s.srv.Version)
	b.WriteString("# workers\n")
	row(pid, "worker", reloads, m.Started, s.srv.Version)
	// Reloads happen in place: there is never an old worker, and haproxy
	// prints the "# old workers" heading only above some.
	var progs []Program
	if m.Programs != nil {
		progs = m.Programs()
	}
	b.WriteString("# programs\n")
	old := 0
	for _, p := range progs {
		if p.Old {
			old++
			continue
		}
		row(p.PID, p.Name, p.Reloads, p.Started, "-")
	}
	if old > 0 {
		b.WriteString("# old programs\n")
		for _, p := range progs {
			if p.Old {
				row(p.PID, p.Name, p.Reloads, p.Started, "-")
			}
		}
	}
	return b.String()
}

// uptime is haproxy's "0d00h00m00s".
func uptime(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int(d / time.Second)
	return fmt.Sprintf("%dd%02dh%02dm%02ds", s/86400, s%86400/3600, s%3600/60, s%60)
}

// masterPrompt is the interactive prompt of the master CLI.
func (s *session) masterPrompt() string {
	if s.onWorker {
		return "\n" + strconv.Itoa(os.Getpid()) + "> "
	}
	return "\nmaster> "
}
