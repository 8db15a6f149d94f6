package acme

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"switchyard/config"
	"switchyard/ssl"
)

// What goes to disk: account keys, certificates, and the lock that keeps
// two processes sharing a disk from issuing the same certificate at once.

// accountKey reads the section's account key, making it first if the file
// does not exist, as haproxy does ("acme: generate account key '%s' for
// acme section '%s'."), with the section's key type.
func (m *Manager) accountKey(s *config.ACMESection) (crypto.Signer, error) {
	m.keyMu.Lock()
	defer m.keyMu.Unlock()
	data, err := os.ReadFile(s.AccountKey)
	if err == nil {
		key, err := ssl.ParsePrivateKey(data)
		if err != nil {
			return nil, fmt.Errorf("'%s' is present but cannot be parsed: %v.", s.AccountKey, err)
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("'%s' is present but cannot be read: %v.", s.AccountKey, errors.Unwrap(err))
	}
	m.Log.Info(fmt.Sprintf("acme: generate account key '%s' for acme section '%s'.", s.AccountKey, s.Name))
	key, err := newKey(s)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	if err := writeAtomic(s.AccountKey, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return nil, fmt.Errorf("cannot write account key '%s': %v", s.AccountKey, err)
	}
	return key, nil
}

// newKey makes a key of the section's type: ECDSA on its curve (P-384 by
// default) or RSA of its bits.
func newKey(s *config.ACMESection) (crypto.Signer, error) {
	if s.KeyType == "RSA" {
		return rsa.GenerateKey(rand.Reader, s.Bits)
	}
	curve := map[string]elliptic.Curve{"P-256": elliptic.P256(), "P-384": elliptic.P384(), "P-521": elliptic.P521()}[s.Curve]
	if curve == nil {
		curve = elliptic.P384()
	}
	return ecdsa.GenerateKey(curve, rand.Reader)
}

// writeAtomic replaces path with data: written to a temporary file of the
// same directory (hidden, so a `crt DIR` does not load it), flushed, then
// renamed over path, so that a reader, in this process or another, sees
// the old file or the new one, never a part. A file already there keeps
// its permissions (and owner, when allowed); a new one gets perm.
func writeAtomic(path string, data []byte, perm fs.FileMode) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if st, err := os.Stat(path); err == nil {
		perm = st.Mode().Perm()
		if sys, ok := st.Sys().(*syscall.Stat_t); ok {
			f.Chown(int(sys.Uid), int(sys.Gid)) // best effort: only root may give a file away
		}
	}
	if err := f.Chmod(perm); err != nil {
		return fail(err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(dir); err == nil { // the rename itself, durable
		d.Sync()
		d.Close()
	}
	return nil
}

// lockFile takes the lock of a certificate file: a hidden file beside it,
// created exclusively, that processes sharing the disk (replicas, or the
// old and new process of a binary upgrade) see. A lock older than stale is
// that of a process that died while issuing, and is taken over. The
// function returned releases it.
func lockFile(path string, stale time.Duration) (func(), error) {
	dir, base := filepath.Split(path)
	lock := filepath.Join(dir, "."+base+".acme-lock")
	for range 2 {
		f, err := os.OpenFile(lock, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			host, _ := os.Hostname()
			fmt.Fprintf(f, "%s %d %s\n", host, os.Getpid(), time.Now().UTC().Format(time.RFC3339))
			f.Close()
			return func() { os.Remove(lock) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("couldn't take the lock '%s': %v", lock, errors.Unwrap(err))
		}
		st, serr := os.Stat(lock)
		if serr != nil || time.Since(st.ModTime()) < stale {
			owner, _ := os.ReadFile(lock)
			return nil, fmt.Errorf("another process is renewing this certificate (lock '%s'%s)", lock, ownerText(owner))
		}
		os.Remove(lock) // stale: its process is gone
	}
	return nil, fmt.Errorf("couldn't take the lock '%s'", lock)
}

func ownerText(b []byte) string {
	if len(b) == 0 || len(b) > 200 {
		return ""
	}
	return ": " + strconv.Quote(strings.TrimSpace(string(b)))
}
