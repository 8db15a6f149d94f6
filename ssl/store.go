package ssl

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Store is the certificates and crt-lists of the binds in service, as
// haproxy's ckch store and crt-list tree are: a certificate is its file's
// path, served by every bind whose `crt` or crt-list names it. Replacing
// it (the file changed on disk, or `set ssl cert` then `commit ssl cert`)
// puts the new one in service for the next handshakes of all of them,
// without a reload; a crt-list line added or removed likewise. A reload
// reads the files again and Attach starts over from them.
type Store struct {
	mu    sync.Mutex
	binds []*Server
	// Clients, set by the proxy, lists the certificates the servers in
	// service present (server … crt, add server … crt). known keeps
	// those seen, for show ssl cert to call them Unused once their
	// servers are gone, as haproxy keeps their store.
	Clients func() []*ClientCert
	known   map[string]*ClientCert
	// spare are certificates no bind serves: made by `new ssl cert` (nil
	// while empty) and perhaps given a content, for a crt-list line to
	// use; or left by `del ssl crt-list`.
	spare map[string]*Cert
	txn   *Txn
	// files are the CA and CRL files in service, fileTxns their
	// transactions by kind (store_cafile.go).
	files    *Files
	fileTxns [2]*fileTxn
	// listSums are the crt-lists' bytes as last read (store_watch.go).
	listSums     map[string][32]byte
	reloadErrors atomic.Uint64
	// OnChange, when set, is called after certificates in service
	// changed (for the expiry watch). It must not call back into the
	// store's writers.
	OnChange func()
}

// Txn is the ongoing `set ssl cert` transaction: one at a time, as in
// haproxy.
type Txn struct {
	Path string
	Cert *Cert
}

// Attach makes binds the ones in service (a configuration was applied),
// with the configuration's CA and CRL files. Certificates the runtime API
// created stay, unless a bind now serves one (the configuration read it
// from its file).
func (st *Store) Attach(binds []*Server, files *Files) {
	st.mu.Lock()
	st.binds = binds
	st.attachFiles(files)
	st.listSums = nil // the configuration read the lists just now
	for p := range st.spare {
		if st.inUse(p) {
			delete(st.spare, p)
		}
	}
	st.mu.Unlock()
}

// inUse says whether a bind serves path.
func (st *Store) inUse(path string) bool { _, ok := st.served(path); return ok }

// clients are the certificates the servers in service present, noted
// in known.
func (st *Store) clients() []*ClientCert {
	if st.Clients == nil {
		return nil
	}
	refs := st.Clients()
	for _, r := range refs {
		if st.known == nil {
			st.known = map[string]*ClientCert{}
		}
		st.known[r.Path] = r
	}
	return refs
}

// served finds the certificate in service for path.
func (st *Store) served(path string) (*Cert, bool) {
	for _, r := range st.clients() {
		if r.Path == path {
			return r.Load(), true
		}
	}
	for _, b := range st.binds {
		for _, e := range b.Entries() {
			if e.Cert.Path == path {
				return e.Cert, true
			}
		}
	}
	return nil, false
}

// byKeyFile finds the certificate in service whose key was read from
// path.
func (st *Store) byKeyFile(path string) *Cert {
	for _, r := range st.clients() {
		if c := r.Load(); c.KeyFile == path {
			return c
		}
	}
	for _, b := range st.binds {
		for _, e := range b.Entries() {
			if e.Cert.KeyFile == path {
				return e.Cert
			}
		}
	}
	return nil
}

// lookup finds path: in service, or spare (nil while empty).
func (st *Store) lookup(path string) (c *Cert, used, known bool) {
	if c, ok := st.served(path); ok {
		return c, true, true
	}
	if c, known = st.spare[path]; known {
		return c, false, true
	}
	if r := st.known[path]; r != nil {
		return r.Load(), false, true // a server's, whose servers are gone
	}
	return nil, false, false
}

// Paths lists the certificates known, sorted as haproxy's tree is.
func (st *Store) Paths() []string {
	st.mu.Lock()
	defer st.mu.Unlock()
	seen := map[string]bool{}
	for _, b := range st.binds {
		for _, e := range b.Entries() {
			seen[e.Cert.Path] = true
		}
	}
	st.clients()
	for p := range st.known {
		seen[p] = true
	}
	for p := range st.spare {
		seen[p] = true
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// CertState is a certificate as `show ssl cert FILE` describes it.
type CertState struct {
	Cert   *Cert // nil: empty
	Status string
	InTxn  bool // the transaction's new content
}

// Show describes path; with txn, the transaction's content ("*FILE").
func (st *Store) Show(path string, txn bool) (CertState, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if txn {
		if st.txn == nil || st.txn.Path != path {
			return CertState{}, false
		}
		// The new content serves nothing yet.
		return CertState{Cert: st.txn.Cert, Status: status(st.txn.Cert, false), InTxn: true}, true
	}
	c, used, known := st.lookup(path)
	if !known {
		return CertState{}, false
	}
	return CertState{Cert: c, Status: status(c, used)}, true
}

func status(c *Cert, used bool) string {
	switch {
	case c == nil:
		return "Empty"
	case used:
		return "Used"
	}
	return "Unused"
}

// Pending is the ongoing transaction's path, "" for none.
func (st *Store) Pending() string {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.txn == nil {
		return ""
	}
	return st.txn.Path
}

// Errors of the runtime API's certificate commands, in haproxy's words.
var (
	errNoTxn = errors.New("No ongoing transaction!")
)

// Set starts or updates the transaction on path with a payload: PEM of
// the certificate, its chain and perhaps its key; for "FILE.key", a key
// alone. It returns haproxy's message.
func (st *Store) Set(path string, payload []byte) (string, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	// base is the certificate's path; ext, the file beside it the
	// payload replaces ("": the certificate itself).
	base, ext := path, ""
	if _, _, known := st.lookup(path); !known {
		if c := st.byKeyFile(path); c != nil {
			base, ext = c.Path, ".key" // "x.key" beside "x.crt"
		}
		for _, e := range extraSuffixes {
			if ext != "" {
				break
			}
			if b, ok := strings.CutSuffix(path, e); ok {
				if _, _, k := st.lookup(b); k {
					if e == ".sctl" {
						return "", fmt.Errorf("Updating '%s' files is not supported yet by switchyard", e)
					}
					base, ext = b, e
				}
				break
			}
		}
		if ext == "" {
			return "", fmt.Errorf("Can't replace a certificate which is not referenced by the configuration!")
		}
	}
	if st.txn != nil && st.txn.Path != base {
		return "", fmt.Errorf("The ongoing transaction is about '%s' but you are trying to set '%s'", st.txn.Path, path)
	}
	// What the payload completes: the transaction's content, or the
	// certificate in service.
	prev, _, _ := st.lookup(base)
	if st.txn != nil {
		prev = st.txn.Cert
	}
	if ext != "" && prev == nil {
		return "", fmt.Errorf("'%s' has no certificate yet to set a '%s' file for", base, ext)
	}
	var c *Cert
	var err error
	switch ext {
	case ".issuer":
		// The issuer of the OCSP response's CertID (ocsp.go), which a
		// commit puts in service with the certificate.
		issuer, perr := parseFirstCert(payload)
		if perr != nil {
			// haproxy's message, its stray quote included.
			return "", fmt.Errorf("'%s' cannot be read or parsed'.\nCan't load the payload", base)
		}
		n := *prev
		n.Issuer = issuer
		c = &n
	case ".ocsp":
		if c, err = setOCSPPayload(prev, payload); err != nil {
			return "", err
		}
	case ".key":
		key, err := ParseKeyPEM(payload)
		if err != nil {
			return "", err
		}
		c = prev.WithKey(key)
	default:
		var key any
		if prev != nil {
			key = prev.TLS.PrivateKey
		}
		if c, err = ParseCertPEM(base, payload, key); err != nil {
			return "", err
		}
		if prev != nil {
			c.Extra, c.KeyFile = prev.Extra, prev.KeyFile
		}
	}
	created := st.txn == nil
	st.txn = &Txn{Path: base, Cert: c}
	if created {
		return fmt.Sprintf("Transaction created for certificate %s!", base), nil
	}
	return fmt.Sprintf("Transaction updated for certificate %s!", base), nil
}

// parseFirstCert reads the first PEM certificate of data.
func parseFirstCert(data []byte) (*x509.Certificate, error) {
	for b, rest := pem.Decode(data); b != nil; b, rest = pem.Decode(rest) {
		if b.Type == "CERTIFICATE" {
			return x509.ParseCertificate(b.Bytes)
		}
	}
	return nil, errors.New("no PEM certificate")
}

// Abort drops the transaction on path.
func (st *Store) Abort(path string) (string, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.txn == nil {
		return "", errNoTxn
	}
	if st.txn.Path != path {
		return "", fmt.Errorf("The ongoing transaction is about '%s' but you are trying to abort a transaction for '%s'", st.txn.Path, path)
	}
	st.txn = nil
	return fmt.Sprintf("Transaction aborted for certificate '%s'!", path), nil
}

// Commit puts the transaction's certificate in service for every bind
// that serves path. It returns how many binds took it.
func (st *Store) Commit(path string) (int, error) {
	st.mu.Lock()
	if st.txn == nil {
		st.mu.Unlock()
		return 0, errNoTxn
	}
	if st.txn.Path != path {
		st.mu.Unlock()
		return 0, fmt.Errorf("The ongoing transaction is about '%s' but you are trying to set '%s'", st.txn.Path, path)
	}
	c := st.txn.Cert
	if c.TLS.PrivateKey == nil {
		st.mu.Unlock()
		return 0, fmt.Errorf("The transaction must contain at least a certificate and a private key!")
	}
	if !c.KeyMatches() {
		st.mu.Unlock()
		return 0, fmt.Errorf("inconsistencies between private key and certificate loaded '%s'.", path)
	}
	c, err := st.commitOCSPLocked(path, c) // ocsp.go
	if err != nil {
		st.mu.Unlock()
		return 0, err
	}
	n, err := st.replaceLocked(path, c)
	if err == nil {
		st.txn = nil
		st.shareStapleLocked(c)
	}
	st.mu.Unlock()
	if err == nil {
		st.changed()
	}
	return n, err
}

// Replace puts c in service for path (its file changed on disk).
func (st *Store) Replace(path string, c *Cert) error {
	st.mu.Lock()
	_, err := st.replaceLocked(path, c)
	st.mu.Unlock()
	if err == nil {
		st.changed()
	}
	return err
}

func (st *Store) replaceLocked(path string, c *Cert) (int, error) {
	n := 0
	for _, r := range st.clients() {
		if r.Path == path {
			r.store(c)
			n++
		}
	}
	if r := st.known[path]; r != nil && r.Load() != c {
		r.store(c) // a server's whose servers are gone: add server finds it
	}
	for _, b := range st.binds {
		if !slices.ContainsFunc(b.Entries(), func(e *Entry) bool { return e.Cert.Path == path }) {
			continue
		}
		err := b.change(func(cur []*Entry) []*Entry {
			out := make([]*Entry, len(cur))
			for i, e := range cur {
				if e.Cert.Path == path {
					ne := *e
					ne.Cert = c
					e = &ne
				}
				out[i] = e
			}
			return out
		})
		if err != nil {
			return n, err
		}
		n++
	}
	if _, ok := st.spare[path]; ok || n == 0 {
		st.setSpare(path, c)
	}
	return n, nil
}

func (st *Store) changed() {
	if st.OnChange != nil {
		st.OnChange()
	}
}

// ServerCert is the certificate the store holds for path, for a server
// added at run time to present, as haproxy's add server takes it from
// the store rather than the disk; nil when the store has none.
func (st *Store) ServerCert(path string) *Cert {
	st.mu.Lock()
	defer st.mu.Unlock()
	c, _, _ := st.lookup(path)
	return c
}

// New makes an empty certificate, for `set ssl cert` to fill and a
// crt-list line to use.
func (st *Store) New(path string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, _, known := st.lookup(path); known {
		return fmt.Errorf("Certificate '%s' already exists!", path)
	}
	st.setSpare(path, nil)
	return nil
}

func (st *Store) setSpare(path string, c *Cert) {
	if st.spare == nil {
		st.spare = map[string]*Cert{}
	}
	st.spare[path] = c
}

// Delete removes a certificate no bind serves.
func (st *Store) Delete(path string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.txn != nil && st.txn.Path == path {
		return fmt.Errorf("certificate '%s' has an ongoing transaction, can't be deleted!", path)
	}
	_, used, known := st.lookup(path)
	switch {
	case !known:
		return fmt.Errorf("certificate '%s' doesn't exist!", path)
	case used:
		return fmt.Errorf("certificate '%s' in use, can't be deleted!", path)
	}
	delete(st.spare, path)
	return nil
}
