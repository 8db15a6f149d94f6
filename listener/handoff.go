package listener

import (
	"errors"
	"net"
	"os"
	"sort"
	"strings"
)

// Handing listening sockets to the process that replaces this one (see
// package fdpass): Export gives duplicates of the descriptors, Adopt takes
// them in the new process, where Open then reuses them by bind key. The
// sockets themselves never close, so their accept queues survive.

type filer interface{ File() (*os.File, error) }

// Export returns the bind keys of the open listeners and a duplicate of
// each descriptor, for the caller to send and close. From then on this
// process leaves unix socket files in place when it closes its listeners:
// they belong to the new process.
func (m *Manager) Export() ([]string, []*os.File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	keys := make([]string, 0, len(m.ls))
	for k := range m.ls {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	files := make([]*os.File, 0, len(keys))
	var out []string
	for _, k := range keys {
		l := m.ls[k]
		if u, ok := l.(*unixListener); ok {
			u.handedOff.Store(true)
			l = u.UnixListener
		}
		fl, ok := l.(filer)
		if !ok {
			continue
		}
		f, err := fl.File()
		if err != nil {
			for _, f := range files {
				f.Close()
			}
			return nil, nil, err
		}
		out = append(out, k)
		files = append(files, f)
	}
	return out, files, nil
}

// Adopt takes listening sockets inherited from a previous process, by bind
// key. The files are consumed. A socket no bind of the first configuration
// names is closed by that configuration's Retain, as any other.
func (m *Manager) Adopt(files map[string]*os.File) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.adopted == nil {
		m.adopted = map[string]bool{}
	}
	var errs []error
	for k, f := range files {
		l, err := net.FileListener(f)
		f.Close()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if path, ok := strings.CutPrefix(k, "unix@"); ok {
			if ul, ok := l.(*net.UnixListener); ok {
				ul.SetUnlinkOnClose(false)
				if st, err := os.Stat(path); err == nil {
					l = &unixListener{UnixListener: ul, path: path, file: st}
				}
			}
		}
		m.ls[k] = l
		m.adopted[k] = true
	}
	return errors.Join(errs...)
}

// Reclaim undoes Export's hand-over when the new process did not take the
// sockets after all: this process owns its unix socket files again.
func (m *Manager) Reclaim() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, l := range m.ls {
		if u, ok := l.(*unixListener); ok {
			u.handedOff.Store(false)
		}
	}
}
