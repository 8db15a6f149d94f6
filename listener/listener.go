// Package listener owns listening sockets. They outlive configuration
// snapshots: a reload keeps every socket the new configuration still names,
// so no connection attempt is refused while the configuration changes.
package listener

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"

	"switchyard/config"
)

// Manager holds the open listeners, keyed by config.Bind.Key(), and the
// bind line each was opened for.
type Manager struct {
	mu    sync.Mutex
	ls    map[string]net.Listener
	binds map[string]config.Bind
	// replaced are listeners a changed bind line replaced: the caller
	// closes them once the new ones accept (TakeReplaced).
	replaced []net.Listener
	// adopted are listeners inherited from a previous process (Adopt),
	// whose bind lines are not known yet: the first Open keeps them as
	// they are.
	adopted map[string]bool
}

// NewManager returns an empty manager.
func NewManager() *Manager {
	return &Manager{ls: map[string]net.Listener{}, binds: map[string]config.Bind{}}
}

// Open makes sure every bind has a listener, reusing open ones. It returns the
// listeners for these binds. On error nothing already open is closed, and the
// sockets opened by this call are closed again, so a bad configuration leaves
// the running one intact.
func (m *Manager) Open(binds []*config.Bind) (map[string]net.Listener, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]net.Listener, len(binds))
	var fresh, old []net.Listener
	changed := map[string]config.Bind{}
	for _, b := range binds {
		k := b.Key()
		if _, ok := out[k]; ok {
			continue
		}
		if l, ok := m.ls[k]; ok {
			prev, known := m.binds[k]
			if !known && m.adopted[k] {
				prev = *b // inherited: taken as it is
			}
			if !needsReopen(&prev, b) {
				if err := adjust(l, &prev, b); err != nil {
					for _, f := range fresh {
						f.Close()
					}
					return nil, fmt.Errorf("%s:%d: cannot apply the new options of %s: %w", b.Pos.File, b.Pos.Line, displayAddr(b), err)
				}
				out[k] = l
				changed[k] = *b
				continue
			}
			// An option fixed at bind time changed (v6only): a second
			// socket on the same address (SO_REUSEPORT) takes over, and
			// the old one is closed once the new one accepts.
			old = append(old, l)
		}
		l, err := m.open(b)
		if err != nil {
			for _, f := range fresh {
				f.Close()
			}
			return nil, fmt.Errorf("%s:%d: cannot bind socket (%s) for %s: %w", b.Pos.File, b.Pos.Line, describe(err), displayAddr(b), err)
		}
		fresh = append(fresh, l)
		out[k] = l
		changed[k] = *b
	}
	for k, l := range out {
		m.ls[k] = l
	}
	for k, b := range changed {
		m.binds[k] = b
	}
	m.replaced = append(m.replaced, old...)
	return out, nil
}

// TakeReplaced returns the listeners that new ones replaced since the last
// call; the caller closes them once the new ones accept.
func (m *Manager) TakeReplaced() []net.Listener {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.replaced
	m.replaced = nil
	return r
}

// needsReopen says whether a bind line's change needs a new socket:
// IPV6_V6ONLY is fixed once the socket is bound. The backlog is changed
// by listening again, a unix socket's mode by chmod (see adjust).
func needsReopen(prev, next *config.Bind) bool {
	return next.Network != "unix" && next.Network != "fd" && (prev.V6Only != next.V6Only || prev.V4V6 != next.V4V6)
}

// adjust applies the options of a bind line that changed on a socket that
// stays: the backlog (listen(2) again, which Linux allows on a listening
// socket), and a unix socket's permissions.
func adjust(l net.Listener, prev, next *config.Bind) error {
	if prev.Backlog != next.Backlog && next.Network != "unix" && next.Network != "fd" {
		sc, ok := l.(syscall.Conn)
		if !ok {
			return nil
		}
		raw, err := sc.SyscallConn()
		if err != nil {
			return err
		}
		var lerr error
		if err := raw.Control(func(fd uintptr) { lerr = syscall.Listen(int(fd), backlogOf(next)) }); err != nil {
			return err
		}
		if lerr != nil {
			return lerr
		}
	}
	if prev.Mode != next.Mode && next.Network == "unix" && next.Mode != 0 {
		return os.Chmod(next.Addr, os.FileMode(next.Mode))
	}
	return nil
}

// backlogOf is the listen(2) backlog of a bind line: `backlog`, or as
// haproxy the frontend's maxconn, which the kernel caps at somaxconn.
func backlogOf(b *config.Bind) int {
	if b.Backlog > 0 {
		return b.Backlog
	}
	return 65535
}

// Retain closes every listener whose key is not in keep.
func (m *Manager) Retain(keep map[string]net.Listener) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, l := range m.ls {
		if _, ok := keep[k]; !ok {
			l.Close()
			delete(m.ls, k)
			delete(m.binds, k)
		}
	}
}

// Close closes the listeners of these keys (shutdown frontend); a later
// Open opens them again.
func (m *Manager) Close(keys []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range keys {
		if l, ok := m.ls[k]; ok {
			l.Close()
			delete(m.ls, k)
			delete(m.binds, k)
		}
	}
}

// CloseAll closes every listener (stop).
func (m *Manager) CloseAll() { m.Retain(nil) }

func (m *Manager) open(b *config.Bind) (net.Listener, error) {
	switch b.Network {
	case "fd":
		n, _ := strconv.Atoi(b.Addr)
		f := os.NewFile(uintptr(n), "fd@"+b.Addr)
		if f == nil {
			return nil, syscall.EBADF
		}
		l, err := net.FileListener(f)
		f.Close()
		return l, err
	case "unix":
		return listenUnix(b)
	}
	return listenTCP(b)
}

func listenUnix(b *config.Bind) (net.Listener, error) {
	// As haproxy: bind under a temporary name, set the permissions, then
	// rename into place, so the socket is never reachable with default
	// permissions, and a stale socket (or one of a process being replaced
	// with -sf) is swapped atomically.
	tmp := fmt.Sprintf("%s.%d.tmp", b.Addr, os.Getpid())
	os.Remove(tmp)
	l, err := net.Listen("unix", tmp)
	if err != nil {
		return nil, err
	}
	ul := l.(*net.UnixListener)
	// The socket file is removed on close only if it is still ours: after
	// -sf, a new process may have bound the same path.
	ul.SetUnlinkOnClose(false)
	fail := func(err error) (net.Listener, error) {
		l.Close()
		os.Remove(tmp)
		return nil, err
	}
	if b.Mode != 0 {
		if err := os.Chmod(tmp, os.FileMode(b.Mode)); err != nil {
			return fail(err)
		}
	}
	// Never replace something that is not a socket.
	if st, err := os.Lstat(b.Addr); err == nil && st.Mode()&os.ModeSocket == 0 {
		return fail(syscall.EADDRINUSE)
	}
	if err := os.Rename(tmp, b.Addr); err != nil {
		return fail(err)
	}
	st, err := os.Stat(b.Addr)
	if err != nil {
		return fail(err)
	}
	return &unixListener{UnixListener: ul, path: b.Addr, file: st}, nil
}

// unixListener removes its socket file on close when the file is the one it
// created.
type unixListener struct {
	*net.UnixListener
	path string
	file os.FileInfo
	// handedOff: the socket went to a new process (Export), which now
	// owns the file.
	handedOff atomic.Bool
}

func (u *unixListener) Close() error {
	err := u.UnixListener.Close()
	if u.handedOff.Load() {
		return err
	}
	if st, serr := os.Stat(u.path); serr == nil && os.SameFile(st, u.file) {
		os.Remove(u.path)
	}
	return err
}

// listenTCP builds the socket by hand so that the backlog and IPV6_V6ONLY are
// exactly what the bind line says.
func listenTCP(b *config.Bind) (net.Listener, error) {
	ap, err := net.ResolveTCPAddr(b.Network, b.Addr)
	if err != nil {
		return nil, err
	}
	family, sa := syscall.AF_INET, syscall.Sockaddr(nil)
	if ip4 := ap.IP.To4(); ip4 != nil && b.Network != "tcp6" {
		s := &syscall.SockaddrInet4{Port: ap.Port}
		copy(s.Addr[:], ip4)
		sa = s
	} else {
		family = syscall.AF_INET6
		s := &syscall.SockaddrInet6{Port: ap.Port}
		copy(s.Addr[:], ap.IP.To16())
		sa = s
	}
	fd, err := syscall.Socket(family, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC|syscall.SOCK_NONBLOCK, syscall.IPPROTO_TCP)
	if err != nil {
		return nil, err
	}
	closeFd := true
	defer func() {
		if closeFd {
			syscall.Close(fd)
		}
	}()
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
		return nil, err
	}
	// As haproxy: a new process started with -sf can bind the same address
	// before the old one lets go of it.
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, soReusePort, 1); err != nil {
		return nil, err
	}
	if family == syscall.AF_INET6 && (b.V6Only || b.V4V6) {
		v := 0
		if b.V6Only {
			v = 1
		}
		if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_IPV6, syscall.IPV6_V6ONLY, v); err != nil {
			return nil, err
		}
	}
	if err := syscall.Bind(fd, sa); err != nil {
		return nil, err
	}
	if err := syscall.Listen(fd, backlogOf(b)); err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "bind "+b.Addr)
	closeFd = false
	defer f.Close()
	return net.FileListener(f)
}

// soReusePort is SO_REUSEPORT, which package syscall does not name on Linux.
const soReusePort = 0xf

func describe(err error) string {
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return "Address already in use"
	case errors.Is(err, syscall.EACCES):
		return "Permission denied"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return "Cannot assign requested address"
	}
	return "error"
}

func displayAddr(b *config.Bind) string {
	if b.Network == "unix" || b.Network == "fd" {
		return b.Network + "@" + b.Addr
	}
	return "[" + b.Addr + "]"
}
