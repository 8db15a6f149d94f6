package ssl

import (
	"bytes"
	"crypto/sha256"
	"os"
	"slices"
	"sync/atomic"
)

// Files in service are watched (package patwatch): a certificate whose
// file changed is read again and replaces the one in service for the next
// handshakes; a crt-list whose file changed is read again, and its lines
// replace the old ones. A file that does not load keeps what is in
// service, and the watcher logs why.

// WatchedFile is a certificate, its key file, or a crt-list, as the
// watcher sees it.
type WatchedFile struct {
	path   string
	kind   string
	reload func() (bool, error)
	errors *atomic.Uint64
}

func (f *WatchedFile) FilePath() string { return f.path }
func (f *WatchedFile) Kind() string     { return f.kind }
func (f *WatchedFile) CountError()      { f.errors.Add(1) }

// Reload reads the file again; a failure is counted.
func (f *WatchedFile) Reload() (bool, error) {
	changed, err := f.reload()
	if err != nil {
		f.errors.Add(1)
	}
	return changed, err
}

// ReloadErrors counts the files that changed on disk and failed to load.
func (st *Store) ReloadErrors() uint64 { return st.reloadErrors.Load() }

func (st *Store) watched(path, kind string, reload func() (bool, error)) *WatchedFile {
	return &WatchedFile{path: path, kind: kind, reload: reload, errors: &st.reloadErrors}
}

// Files are the files of the certificates and crt-lists in service.
func (st *Store) Files() []*WatchedFile {
	st.mu.Lock()
	defer st.mu.Unlock()
	var out []*WatchedFile
	var seen []string
	add := func(path, kind string, reload func() (bool, error)) {
		if path != "" && !slices.Contains(seen, path) {
			seen = append(seen, path)
			out = append(out, st.watched(path, kind, reload))
		}
	}
	for _, b := range st.binds {
		for _, e := range b.Entries() {
			path := e.Cert.Path
			reload := func() (bool, error) { return st.reloadCert(path) }
			add(path, "certificate", reload)
			add(e.Cert.KeyFile, "certificate key", reload)
			if e.Cert.OCSP != nil && e.Cert.Extra&ExtraOCSP != 0 {
				add(path+".ocsp", "OCSP response", reload)
			}
		}
		for _, l := range b.lists() {
			list := l.Path
			add(list, "crt-list", func() (bool, error) { return st.reloadListFile(list) })
		}
	}
	for _, r := range st.clients() {
		c := r.Load()
		path := c.Path
		reload := func() (bool, error) { return st.reloadCert(path) }
		add(path, "certificate", reload)
		add(c.KeyFile, "certificate key", reload)
	}
	return out
}

// reloadCert reads a certificate in service again, and replaces it if
// it changed.
func (st *Store) reloadCert(path string) (bool, error) {
	st.mu.Lock()
	cur, used := st.served(path)
	st.mu.Unlock()
	if !used {
		return false, nil
	}
	c, err := LoadCert(path, cur.Extra)
	if err != nil {
		return false, err
	}
	if sameCert(cur, c) {
		return false, nil
	}
	return true, st.Replace(path, c)
}

// sameCert says whether two loads of a certificate serve the same.
func sameCert(a, b *Cert) bool {
	return slices.EqualFunc(a.TLS.Certificate, b.TLS.Certificate, bytes.Equal) &&
		bytes.Equal(a.OCSP, b.OCSP) && keyMatches(a.TLS.Leaf, b.TLS.PrivateKey) &&
		slices.EqualFunc(a.TLS.SignedCertificateTimestamps, b.TLS.SignedCertificateTimestamps, bytes.Equal)
}

// reloadListFile reads a crt-list again if its bytes changed since it
// was last read here (the first look only notes them: the configuration
// read the file just before).
func (st *Store) reloadListFile(list string) (bool, error) {
	data, err := os.ReadFile(list)
	if err != nil {
		return false, err
	}
	sum := sha256.Sum256(data)
	st.mu.Lock()
	old, seen := st.listSums[list]
	if st.listSums == nil {
		st.listSums = map[string][32]byte{}
	}
	st.mu.Unlock()
	if !seen || old == sum {
		st.mu.Lock()
		st.listSums[list] = sum
		st.mu.Unlock()
		return false, nil
	}
	if err := st.reloadList(list, (*ListSource).Load); err != nil {
		return false, err
	}
	st.mu.Lock()
	st.listSums[list] = sum
	st.mu.Unlock()
	st.changed()
	return true, nil
}
