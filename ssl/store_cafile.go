package ssl

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The runtime API's CA and CRL file commands (`new|set|commit|abort|del|
// show ssl ca-file|crl-file`), on the files of the configuration in
// service (Files): a committed file is trusted by the next handshakes of
// every bind, crt-list line and server naming it, without a reload.

// FileKind tells CA files from CRL files.
type FileKind uint8

const (
	KindCA FileKind = iota
	KindCRL
)

// word is how haproxy's messages name a kind: "CA" or "CRL".
func (k FileKind) word() string {
	if k == KindCRL {
		return "CRL"
	}
	return "CA"
}

// fileTxn is the ongoing `set ssl ca-file` or `set ssl crl-file`
// transaction: one of each at a time, as in haproxy.
type fileTxn struct {
	path string
	ca   *CASet
	crl  *CRLs
}

// filesLocked are the files in service, never nil.
func (st *Store) filesLocked() *Files {
	if st.files == nil {
		st.files = &Files{}
	}
	return st.files
}

// attachFiles makes files the ones in service. Files made by the runtime
// API that the new configuration does not name stay, as spare
// certificates do; a transaction on a file that is gone is dropped.
func (st *Store) attachFiles(files *Files) {
	if files == nil {
		files = &Files{}
	}
	if old := st.files; old != nil && old != files {
		old.mu.Lock()
		files.mu.Lock()
		for p, f := range old.ca {
			if f.made && !files.has(p) {
				files.addCA(f)
			}
		}
		for p, f := range old.crl {
			if f.made && !files.has(p) {
				files.addCRL(f)
			}
		}
		files.mu.Unlock()
		old.mu.Unlock()
	}
	st.files = files
	for i, t := range st.fileTxns {
		if t != nil && !files.has(t.path) {
			st.fileTxns[i] = nil
		}
	}
}

// fileUsed says whether a file is in use: named by a bind or one of
// its lines, as haproxy counts the certificate instances linked to it
// (a server's file is not counted).
func (st *Store) fileUsed(path string) bool {
	return slices.ContainsFunc(st.binds, func(b *Server) bool { return b.count(namesFile(path)) > 0 })
}

// namesFile says whether settings name path as their CA, verify CA or
// CRL file (a path is one or the other: the kinds share one name space).
func namesFile(path string) func(*Conf) bool {
	return func(c *Conf) bool {
		return c.CA != nil && c.CA.Path == path || c.VerifyCA != nil && c.VerifyCA.Path == path || c.CRL != nil && c.CRL.Path == path
	}
}

// NewFile creates an empty file, for a crt-list line to name once it
// has a content (`new ssl ca-file`, `new ssl crl-file`).
func (st *Store) NewFile(k FileKind, path string) (string, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	fs := st.filesLocked()
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.has(path) {
		return "", fmt.Errorf("%s file '%s' already exists!", k.word(), path)
	}
	if k == KindCRL {
		fs.addCRL(&CRLFile{Path: path, made: true})
	} else {
		fs.addCA(&CAFile{Path: path, made: true})
	}
	return fmt.Sprintf("New %s file created '%s'!", k.word(), path), nil
}

// SetFile starts or updates the transaction on path with a PEM payload.
func (st *Store) SetFile(k FileKind, path string, payload []byte) (string, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	fs := st.filesLocked()
	t := st.fileTxns[k]
	if t != nil && t.path != path {
		return "", fmt.Errorf("The ongoing transaction is about '%s' but you are trying to set '%s'", t.path, path)
	}
	fs.mu.Lock()
	_, isCA := fs.ca[path]
	_, isCRL := fs.crl[path]
	fs.mu.Unlock()
	if k == KindCA && !isCA || k == KindCRL && !isCRL {
		return "", fmt.Errorf("Can't replace a %s file which is not referenced by the configuration!", k.word())
	}
	next := &fileTxn{path: path}
	var err error
	if k == KindCRL {
		next.crl, err = ParseCRLs(payload)
	} else {
		next.ca, err = ParseCAs(payload)
	}
	if err != nil {
		return "", errors.New("Invalid payload")
	}
	st.fileTxns[k] = next
	if t == nil {
		return fmt.Sprintf("transaction created for %s %s!", k.word(), path), nil
	}
	return fmt.Sprintf("transaction updated for %s %s!", k.word(), path), nil
}

// AbortFile drops the transaction on path.
func (st *Store) AbortFile(k FileKind, path string) (string, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	t := st.fileTxns[k]
	if t == nil {
		return "", errNoTxn
	}
	if t.path != path {
		return "", fmt.Errorf("The ongoing transaction is about '%s' but you are trying to abort a transaction for '%s'", t.path, path)
	}
	st.fileTxns[k] = nil
	return fmt.Sprintf("Transaction aborted for certificate '%s'!", path), nil
}

// CommitFile puts the transaction's content in service: servers read
// it at their next handshake, binds naming the file are rebuilt. It
// returns how many certificates of binds were (haproxy prints a dot for
// each).
func (st *Store) CommitFile(k FileKind, path string) (int, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	t := st.fileTxns[k]
	if t == nil {
		return 0, errors.New("No ongoing transaction! !")
	}
	if t.path != path {
		return 0, fmt.Errorf("The ongoing transaction is about '%s' but you are trying to set '%s'", t.path, path)
	}
	fs := st.filesLocked()
	fs.mu.Lock()
	if k == KindCRL {
		fs.crl[path].cur.Store(t.crl)
	} else {
		fs.ca[path].cur.Store(t.ca)
	}
	fs.mu.Unlock()
	st.fileTxns[k] = nil
	var errs []error
	n := 0
	for _, b := range st.binds {
		if users := b.count(namesFile(path)); users > 0 {
			n += users
			errs = append(errs, b.change(func(cur []*Entry) []*Entry { return cur }))
		}
	}
	return n, errors.Join(errs...)
}

// DelFile removes a file no line uses.
func (st *Store) DelFile(k FileKind, path string) (string, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	fs := st.filesLocked()
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if !fs.has(path) {
		return "", fmt.Errorf("%s file '%s' doesn't exist!", k.word(), path)
	}
	if _, isCA := fs.ca[path]; isCA && k == KindCRL {
		return "", errors.New("'del ssl crl-file' does not work on CA files!")
	}
	if st.fileUsed(path) {
		return "", fmt.Errorf("%s file '%s' in use, can't be deleted!", k.word(), path)
	}
	delete(fs.ca, path)
	delete(fs.crl, path)
	return fmt.Sprintf("%s file '%s' deleted!", k.word(), path), nil
}

// ShowFiles is `show ssl ca-file|crl-file` without a name: the files,
// the transaction's first.
func (st *Store) ShowFiles(k FileKind) []byte {
	st.mu.Lock()
	defer st.mu.Unlock()
	fs := st.filesLocked()
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var b []byte
	if t := st.fileTxns[k]; t != nil {
		b = append(b, "# transaction\n*"+t.path...)
		if k == KindCA {
			b = fmt.Appendf(b, " - %d certificate(s)", len(t.ca.Certs))
		}
		b = append(b, '\n')
	}
	b = append(b, "# filename\n"...)
	for _, p := range fs.paths(k == KindCRL) {
		b = append(b, p...)
		if k == KindCA {
			n := 0
			if f := fs.ca[p]; !f.empty() {
				n = len(f.Load().Certs)
			}
			b = fmt.Appendf(b, " - %d certificate(s)", n)
		}
		b = append(b, '\n')
	}
	return b
}

// ErrIndex is a wrong ":N" after a file's name.
var ErrIndex = errors.New("wrong index")

type indexError string

func (e indexError) Error() string        { return "wrong " + string(e) + " index" }
func (e indexError) Is(target error) bool { return target == ErrIndex }

// ShowFile is `show ssl ca-file|crl-file [*]FILE[:N]`: a file's content,
// or its Nth certificate or list; '*' for the transaction's.
func (st *Store) ShowFile(k FileKind, name string) ([]byte, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	what := "CA"
	if k == KindCRL {
		what = "CRL"
	}
	index := 0
	if i := strings.IndexByte(name, ':'); i >= 0 {
		n, err := strconv.Atoi(name[i+1:])
		if err != nil || n <= 0 || strings.HasPrefix(name[i+1:], "+") {
			return nil, fmt.Errorf("%w after colons in '%s'!", indexError(what), name)
		}
		name, index = name[:i], n
	}
	notFound := fmt.Errorf("Can't display the %s file : Not found!", what)
	fs := st.filesLocked()
	fs.mu.Lock()
	defer fs.mu.Unlock()
	path, inTxn := strings.CutPrefix(name, "*")
	var ca *CASet
	var crl *CRLs
	empty := false
	switch t := st.fileTxns[k]; {
	case inTxn && (t == nil || t.path != path):
		return nil, notFound
	case inTxn:
		ca, crl = t.ca, t.crl
	case k == KindCA:
		f, ok := fs.ca[path]
		if !ok {
			return nil, notFound
		}
		ca, empty = f.Load(), f.empty()
	default:
		f, ok := fs.crl[path]
		if !ok {
			return nil, notFound
		}
		crl, empty = f.Load(), f.empty()
	}
	b := []byte("Filename: ")
	if inTxn {
		b = append(b, '*')
	}
	b = append(b, path+"\nStatus: "...)
	switch {
	case empty && k == KindCA:
		// haproxy 2.6 prints nothing at all for an empty CA file.
		return nil, nil
	case empty:
		return append(b, "Empty\n"...), nil
	case !inTxn && st.fileUsed(path):
		b = append(b, "Used\n"...)
	default:
		b = append(b, "Unused\n"...)
	}
	if ca != nil {
		for i, x := range ca.Certs {
			if index > 0 && i != index-1 {
				continue
			}
			b = fmt.Appendf(b, " \nCertificate #%d:\n", i+1)
			b = appendCertDetail(b, x, nil)
		}
		return b, nil
	}
	for i, l := range crl.lists {
		if index > 0 && i != index-1 {
			continue
		}
		b = fmt.Appendf(b, " \nCertificate Revocation List #%d:\n", i+1)
		b = appendCRLDetail(b, l)
	}
	return b, nil
}
