package ssl

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// CAFile is a ca-file (or ca-verify-file) by its path: one object shared
// by every bind, crt-list line and server naming the file, as haproxy's
// CA file tree. Its content can be replaced while it serves (`set ssl
// ca-file` then `commit ssl ca-file`): servers read it at each handshake,
// binds are rebuilt by the store (store_cafile.go).
type CAFile struct {
	Path string
	cur  atomic.Pointer[CASet]
	made bool // by new ssl ca-file: kept across a reload that does not name it
}

// CASet is a CA file's certificates, as a pool (for Go's verification)
// and as a list, in file order (for the handshakes that verify chains
// themselves, and show ssl ca-file).
type CASet struct {
	Pool  *x509.CertPool
	Certs []*x509.Certificate
	// Up are the certificates' issuers among them (CRL checks).
	Up Issuers
}

// emptyCAs is the content of a CA file created empty (new ssl ca-file):
// it trusts nothing.
var emptyCAs = &CASet{Pool: x509.NewCertPool()}

// Load is the file's content now; never nil.
func (f *CAFile) Load() *CASet {
	if s := f.cur.Load(); s != nil {
		return s
	}
	return emptyCAs
}

// empty says whether the file has no content yet (new ssl ca-file).
func (f *CAFile) empty() bool { return f.cur.Load() == nil }

// NewCAFile makes a CA file of certificates already parsed (tests, and
// callers that build trust themselves).
func NewCAFile(path string, certs ...*x509.Certificate) *CAFile {
	f := &CAFile{Path: path}
	f.cur.Store(newCASet(certs))
	return f
}

func newCASet(certs []*x509.Certificate) *CASet {
	s := &CASet{Pool: x509.NewCertPool(), Certs: certs, Up: IssuersOf(certs)}
	for _, c := range certs {
		s.Pool.AddCert(c)
	}
	return s
}

// ParseCAs reads PEM CA certificates (a file, or a `set ssl ca-file`
// payload). Blocks other than certificates are skipped, as OpenSSL's
// loader does; no certificate at all is an error.
func ParseCAs(data []byte) (*CASet, error) {
	var certs []*x509.Certificate
	for b, rest := pem.Decode(data); b != nil; b, rest = pem.Decode(rest) {
		if b.Type != "CERTIFICATE" {
			continue
		}
		x, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, err
		}
		certs = append(certs, x)
	}
	if len(certs) == 0 {
		return nil, errors.New("no PEM certificate in it")
	}
	return newCASet(certs), nil
}

// SystemCA is the ca-file name of the system's CA store.
const SystemCA = "@system-ca"

// systemCADirs are where the system's CA store may be, OpenSSL's default
// directory first (Debian's), as HAProxy reads it for @system-ca; the
// SSL_CERT_DIR environment variable, which Go's own loader honours, goes
// before them.
var systemCADirs = []string{"/usr/lib/ssl/certs", "/etc/ssl/certs", "/etc/pki/tls/certs", "/system/etc/security/cacerts"}

// loadCAPath reads a CA file, a directory of them (the first certificate
// of each .pem, .crt, .cer or .crl file, as OpenSSL's hashed directory
// lookup and HAProxy), or @system-ca.
func loadCAPath(path string) (*CASet, error) {
	if path == SystemCA {
		dirs := systemCADirs
		if env := os.Getenv("SSL_CERT_DIR"); env != "" {
			dirs = append(filepath.SplitList(env), dirs...)
		}
		for _, d := range dirs {
			if st, err := os.Stat(d); err == nil && st.IsDir() {
				return loadCADir(d)
			}
		}
		return nil, fmt.Errorf("no system CA directory (%s)", strings.Join(dirs, ", "))
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, errors.Unwrap(err)
	}
	if st.IsDir() {
		return loadCADir(path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, errors.Unwrap(err)
	}
	return ParseCAs(data)
}

func loadCADir(dir string) (*CASet, error) {
	entries, err := os.ReadDir(dir) // sorted by name, as HAProxy's scandir
	if err != nil {
		return nil, errors.Unwrap(err)
	}
	var certs []*x509.Certificate
	seen := map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || !slices.Contains([]string{".pem", ".crt", ".cer", ".crl"}, filepath.Ext(name)) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue // as OpenSSL's lookup: a file that does not load is passed over
		}
		for b, rest := pem.Decode(data); b != nil; b, rest = pem.Decode(rest) {
			if b.Type != "CERTIFICATE" {
				continue
			}
			if x, err := x509.ParseCertificate(b.Bytes); err == nil && !seen[string(x.Raw)] {
				seen[string(x.Raw)] = true
				certs = append(certs, x)
			}
			break // the first certificate of each file
		}
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("no PEM certificate in directory '%s'", dir)
	}
	return newCASet(certs), nil
}

// CRLFile is a crl-file by its path, shared and replaceable as CAFile.
type CRLFile struct {
	Path string
	cur  atomic.Pointer[CRLs]
	made bool
}

// Load is the file's content now; never nil.
func (f *CRLFile) Load() *CRLs {
	if l := f.cur.Load(); l != nil {
		return l
	}
	return emptyCRLs
}

func (f *CRLFile) empty() bool { return f.cur.Load() == nil }

// Files are the CA and CRL files of one configuration, by path: each is
// read once however many lines name it, and the runtime API finds it by
// that path. As in haproxy, CA and CRL files share one name space.
type Files struct {
	mu  sync.Mutex
	ca  map[string]*CAFile
	crl map[string]*CRLFile
}

// CA finds or loads a CA file.
func (fs *Files) CA(path string) (*CAFile, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if f, ok := fs.ca[path]; ok {
		return f, nil
	}
	if _, ok := fs.crl[path]; ok {
		return nil, fmt.Errorf("unable to load CA file '%s': it is loaded as a CRL file", path)
	}
	set, err := loadCAPath(path)
	if err != nil {
		return nil, fmt.Errorf("unable to load CA file '%s': %v", path, err)
	}
	f := &CAFile{Path: path}
	f.cur.Store(set)
	fs.addCA(f)
	return f, nil
}

// CRL finds or loads a CRL file.
func (fs *Files) CRL(path string) (*CRLFile, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if f, ok := fs.crl[path]; ok {
		return f, nil
	}
	if _, ok := fs.ca[path]; ok {
		return nil, fmt.Errorf("unable to load CRL file '%s': it is loaded as a CA file", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("unable to load CRL file '%s': %v", path, errors.Unwrap(err))
	}
	l, err := ParseCRLs(data)
	if err != nil {
		return nil, fmt.Errorf("unable to load CRL file '%s': %v", path, err)
	}
	f := &CRLFile{Path: path}
	f.cur.Store(l)
	fs.addCRL(f)
	return f, nil
}

func (fs *Files) addCA(f *CAFile) {
	if fs.ca == nil {
		fs.ca = map[string]*CAFile{}
	}
	fs.ca[f.Path] = f
}

func (fs *Files) addCRL(f *CRLFile) {
	if fs.crl == nil {
		fs.crl = map[string]*CRLFile{}
	}
	fs.crl[f.Path] = f
}

// has says whether path is a CA or CRL file.
func (fs *Files) has(path string) bool {
	_, ca := fs.ca[path]
	_, crl := fs.crl[path]
	return ca || crl
}

// paths are the files' paths, sorted as haproxy's tree lists them.
func (fs *Files) paths(crl bool) []string {
	var out []string
	if crl {
		for p := range fs.crl {
			out = append(out, p)
		}
	} else {
		for p := range fs.ca {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}
