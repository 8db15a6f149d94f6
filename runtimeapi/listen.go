package runtimeapi

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"

	"switchyard/config"
)

// Opening the sockets of `stats socket` lines.

func newReader(r io.Reader) *bufio.Reader { return bufio.NewReaderSize(r, 4096) }

// openSocket opens one socket and returns it with its name for `show cli
// sockets`. Errors read as the listeners' ("cannot bind socket").
func openSocket(sc *config.StatsSocket) (net.Listener, string, error) {
	var ln net.Listener
	var err error
	switch sc.Network {
	case "unix":
		ln, err = listenUnix(sc)
	case "fd":
		ln, err = inherit(sc.Addr)
	default:
		ln, err = reusePort.Listen(context.Background(), sc.Network, sc.Addr)
	}
	if err != nil {
		return nil, "", fmt.Errorf("%s:%d: 'stats socket': cannot bind socket for %s: %w", sc.Pos.File, sc.Pos.Line, displayAddr(sc), err)
	}
	return ln, socketName(ln), nil
}

// reusePort listens with SO_REUSEPORT, as haproxy's listeners: a process
// started with -sf binds the address before the old one lets it go.
var reusePort = net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
	var serr error
	err := rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, soReusePort, 1)
	})
	if err != nil {
		return err
	}
	return serr
}}

// soReusePort is SO_REUSEPORT, which package syscall does not name on
// Linux.
const soReusePort = 0xf

func displayAddr(sc *config.StatsSocket) string {
	switch sc.Network {
	case "unix", "fd":
		return sc.Network + "@" + sc.Addr
	}
	return "[" + sc.Addr + "]"
}

// inherit takes over a listening socket the process was started with
// (fd@N), as haproxy's test harness passes them.
func inherit(n string) (net.Listener, error) {
	fd, err := strconv.Atoi(n)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "fd@"+n)
	if f == nil {
		return nil, syscall.EBADF
	}
	ln, err := net.FileListener(f)
	// The listener holds a duplicate; the inherited number is not
	// needed any more.
	f.Close()
	return ln, err
}

// listenUnix creates a unix socket as haproxy does: bound under a
// temporary name and given its permissions and owner; place then renames
// it over the path, so that it is never reachable with other permissions
// and a stale socket left by a previous process is replaced at once. A
// path that is not a socket is never replaced. "@name" is in the
// abstract namespace, which has no file.
func listenUnix(sc *config.StatsSocket) (net.Listener, error) {
	if strings.HasPrefix(sc.Addr, "@") {
		return net.Listen("unix", sc.Addr)
	}
	// Checked now, so that a configuration naming a regular file fails
	// before any socket is moved into place.
	if st, err := os.Lstat(sc.Addr); err == nil && st.Mode()&os.ModeSocket == 0 {
		return nil, syscall.EADDRINUSE
	}
	tmp := fmt.Sprintf("%s.%d.tmp", sc.Addr, os.Getpid())
	os.Remove(tmp)
	l, err := net.Listen("unix", tmp)
	if err != nil {
		return nil, err
	}
	ul := l.(*net.UnixListener)
	ul.SetUnlinkOnClose(false)
	u := &unixListener{UnixListener: ul, path: sc.Addr, tmp: tmp}
	if sc.Mode != 0 {
		if err := os.Chmod(tmp, os.FileMode(sc.Mode&0o777)|modeBits(sc.Mode)); err != nil {
			u.Close()
			return nil, err
		}
	}
	if sc.UID >= 0 || sc.GID >= 0 {
		if err := os.Lchown(tmp, sc.UID, sc.GID); err != nil {
			u.Close()
			return nil, err
		}
	}
	return u, nil
}

// modeBits carries setuid, setgid and sticky from an octal mode.
func modeBits(m uint32) os.FileMode {
	var fm os.FileMode
	if m&0o4000 != 0 {
		fm |= os.ModeSetuid
	}
	if m&0o2000 != 0 {
		fm |= os.ModeSetgid
	}
	if m&0o1000 != 0 {
		fm |= os.ModeSticky
	}
	return fm
}

// unixListener is a unix socket with a file: under its temporary name
// until placed, then under its path, which it removes on close when the
// file is still the one it created (a newer process or configuration may
// have taken the path over).
type unixListener struct {
	*net.UnixListener
	path, tmp string
	file      os.FileInfo // nil until placed
}

// place moves the socket to its path.
func (u *unixListener) place() error {
	if err := os.Rename(u.tmp, u.path); err != nil {
		return err
	}
	st, err := os.Stat(u.path)
	if err != nil {
		return err
	}
	u.file = st
	return nil
}

func (u *unixListener) Close() error {
	err := u.UnixListener.Close()
	if u.file == nil {
		os.Remove(u.tmp)
	} else if st, serr := os.Stat(u.path); serr == nil && os.SameFile(st, u.file) {
		os.Remove(u.path)
	}
	return err
}

// place moves a new socket into place, if it has a file.
func place(ln net.Listener) error {
	if u, ok := ln.(*unixListener); ok && u.file == nil {
		return u.place()
	}
	return nil
}

// socketName names a listener as haproxy's `show cli sockets`:
// unix@path, abns@name, ipv4@ip:port, ipv6@[ip]:port.
func socketName(ln net.Listener) string {
	if u, ok := ln.(*unixListener); ok {
		return "unix@" + u.path
	}
	switch a := ln.Addr().(type) {
	case *net.UnixAddr:
		if strings.HasPrefix(a.Name, "@") {
			return "abns@" + a.Name[1:]
		}
		return "unix@" + a.Name
	case *net.TCPAddr:
		if a.IP.To4() != nil {
			return "ipv4@" + a.IP.String() + ":" + strconv.Itoa(a.Port)
		}
		return "ipv6@[" + a.IP.String() + "]:" + strconv.Itoa(a.Port)
	}
	return "unknown"
}
