package ssl

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"switchyard/internal/testcert"
)

// TestFilesShared: a file named twice is read once and shared; a CA
// file cannot be named as a CRL file.
func TestFilesShared(t *testing.T) {
	ca := testcert.NewCA("files CA")
	dir := t.TempDir()
	caPath, crlPath := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "crl.pem")
	testcert.Write(caPath, ca.PEM)
	testcert.Write(crlPath, ca.CRL())
	fs := &Files{}
	a, err := fs.CA(caPath)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := fs.CA(caPath); a != b {
		t.Error("a CA file named twice was read twice")
	}
	if _, err := fs.CRL(caPath); err == nil || !strings.Contains(err.Error(), "loaded as a CA file") {
		t.Errorf("a CA file as CRL: %v", err)
	}
	if _, err := fs.CRL(crlPath); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.CA(filepath.Join(dir, "nope.pem")); err == nil || !strings.Contains(err.Error(), "unable to load CA file") {
		t.Errorf("a missing file: %v", err)
	}
	if _, err := fs.CA(crlPath); err == nil {
		t.Error("a CRL file read as CA file")
	}
	if got := fs.paths(false); len(got) != 1 || got[0] != caPath {
		t.Errorf("CA paths: %v", got)
	}
}

// TestCRLDetail: show ssl crl-file's text, as OpenSSL prints a list.
func TestCRLDetail(t *testing.T) {
	ca := testcert.NewCA("detail CA")
	leaf := ca.Issue(testcert.Opts{CN: "revoked", Client: true})
	l, err := ParseCRLs(append(ca.CRL(), ca.CRL(leaf.Cert)...))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.lists) != 2 {
		t.Fatalf("%d lists", len(l.lists))
	}
	empty, full := string(appendCRLDetail(nil, l.lists[0])), string(appendCRLDetail(nil, l.lists[1]))
	for _, want := range []string{"Version 2\n", "Signature Algorithm: ecdsa-with-SHA256\n", "Issuer: /O=switchyard tests/CN=detail CA\n", "Last Update: ", " GMT\nNext Update: ", "No Revoked Certificates.\n"} {
		if !strings.Contains(empty, want) {
			t.Errorf("empty list: no %q in\n%s", want, empty)
		}
	}
	serial := strings.ToUpper(leaf.Cert.SerialNumber.Text(16))
	if len(serial)%2 == 1 {
		serial = "0" + serial
	}
	if !strings.Contains(full, "Revoked Certificates:\n    Serial Number: "+serial+"\n        Revocation Date: ") {
		t.Errorf("list: no serial %s in\n%s", serial, full)
	}
}

// notedConn keeps a handshake's notes, as the proxy's record reader.
type notedConn struct {
	net.Conn
	notes Notes
}

func (c *notedConn) HandshakeNotes() *Notes { return &c.notes }

// TestVerifyResumed: a session resumed reports the verify result of the
// handshake that made it, as OpenSSL keeps it in the session.
func TestVerifyResumed(t *testing.T) {
	ca, stranger := testcert.NewCA("resume CA"), testcert.NewCA("stranger CA")
	dir := t.TempDir()
	srvPath := filepath.Join(dir, "srv.pem")
	testcert.Write(srvPath, ca.Issue(testcert.Opts{CN: "srv"}).Bundle())
	cert, err := LoadCert(srvPath, 0)
	if err != nil {
		t.Fatal(err)
	}
	b := &Bind{Entries: []*Entry{{Cert: cert}}}
	b.Conf.Verify = VerifyRequired
	b.Conf.CA = NewCAFile("ca.pem", ca.Cert)
	if b.Conf.CrtIgnore, err = ParseIgnoreErrs("all"); err != nil {
		t.Fatal(err)
	}
	srv, err := b.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	leaf := stranger.Issue(testcert.Opts{CN: "client", Client: true})
	pair, err := tls.X509KeyPair(leaf.CertPEM, leaf.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	// Sent although the server does not name its CA, which Go's
	// default selection would not do.
	send := func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &pair, nil }
	client := &tls.Config{ServerName: "srv", InsecureSkipVerify: true, GetClientCertificate: send, ClientSessionCache: tls.NewLRUClientSessionCache(4)}
	for _, vers := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		client.MaxVersion = vers
		var results []int
		for i := 0; i < 2; i++ {
			notes, resumed := resumeHandshake(t, srv, client)
			if resumed != (i == 1) {
				t.Fatalf("%s: handshake %d resumed: %v", VersionName(vers), i, resumed)
			}
			results = append(results, notes.Verify.Last)
		}
		if results[0] == 0 || results[0] != results[1] {
			t.Errorf("%s: verify results %v: want the same error twice", VersionName(vers), results)
		}
	}
}

// resumeHandshake makes one handshake with a client that reads the
// session ticket (TLS 1.3 sends it after the handshake).
func resumeHandshake(t *testing.T, srv *Server, client *tls.Config) (*Notes, bool) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	deadline := time.Now().Add(5 * time.Second)
	conn := make(chan *notedConn, 1)
	go func() {
		b, err := l.Accept()
		if err != nil {
			conn <- nil
			return
		}
		b.SetDeadline(deadline)
		nc := &notedConn{Conn: b}
		s := tls.Server(nc, srv.Config())
		if err := s.Handshake(); err == nil {
			if _, err := s.Write([]byte("x")); err != nil {
				t.Log(err)
			}
		} else {
			t.Log(err)
		}
		s.Close()
		conn <- nc
	}()
	a, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.SetDeadline(deadline)
	c := tls.Client(a, client)
	if err := c.Handshake(); err != nil {
		t.Fatal(err)
	}
	// The byte may come with the close that follows it (n 1, io.EOF).
	if n, err := c.Read(make([]byte, 1)); n != 1 {
		t.Fatalf("reading the byte sent after the handshake: %v", err)
	}
	resumed := c.ConnectionState().DidResume
	nc := <-conn
	if nc == nil {
		t.Fatal("accept failed")
	}
	return &nc.notes, resumed
}

// TestCADirectory: a ca-file that is a directory loads the first
// certificate of each .pem, .crt, .cer file in it, as HAProxy; the
// system's store is @system-ca.
func TestCADirectory(t *testing.T) {
	dir := t.TempDir()
	a, b, c := testcert.NewCA("dir A"), testcert.NewCA("dir B"), testcert.NewCA("dir C")
	testcert.Write(filepath.Join(dir, "a.pem"), append(append([]byte{}, a.PEM...), c.PEM...)) // c: not the first
	testcert.Write(filepath.Join(dir, "b.crt"), b.PEM)
	testcert.Write(filepath.Join(dir, "dup.cer"), b.PEM)
	testcert.Write(filepath.Join(dir, "c.txt"), c.PEM)
	testcert.Write(filepath.Join(dir, ".hidden.pem"), c.PEM)
	f, err := (&Files{}).CA(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, x := range f.Load().Certs {
		names = append(names, x.Subject.CommonName)
	}
	if strings.Join(names, ",") != "dir A,dir B" {
		t.Errorf("certificates %v, want dir A and dir B", names)
	}
	t.Setenv("SSL_CERT_DIR", dir)
	sys, err := (&Files{}).CA(SystemCA)
	if err != nil || len(sys.Load().Certs) != 2 {
		t.Errorf("@system-ca from SSL_CERT_DIR: %v", err)
	}
	if got := ResolveCAPath("/base", SystemCA); got != SystemCA {
		t.Errorf("ca-base applied to @system-ca: %s", got)
	}
	if _, err := (&Files{}).CA(t.TempDir()); err == nil {
		t.Error("an empty directory loaded")
	}
}

// TestCRLStatus: OpenSSL's verdicts on a certificate under its issuer's
// lists: revoked, no list, a list out of its dates, a list of another key
// under the same name (a forger's: passed over, as OpenSSL does by the
// authority key identifier), and one its issuer did not sign.
func TestCRLStatus(t *testing.T) {
	ca, forger, other := testcert.NewCA("crl CA"), testcert.NewCA("crl CA"), testcert.NewCA("other CA")
	good, bad := ca.Issue(testcert.Opts{CN: "good", Client: true}), ca.Issue(testcert.Opts{CN: "bad", Client: true})
	now := time.Now()
	hour := time.Hour
	for _, c := range []struct {
		name string
		pem  []byte
		cert *x509.Certificate
		want []int
	}{
		{"good", ca.CRLAt(now.Add(-hour), now.Add(hour), bad.Cert), good.Cert, nil},
		{"revoked", ca.CRLAt(now.Add(-hour), now.Add(hour), bad.Cert), bad.Cert, []int{errCertRevoked}},
		{"no list", other.CRLAt(now.Add(-hour), now.Add(hour)), good.Cert, []int{errUnableToGetCRL}},
		{"expired", ca.CRLAt(now.Add(-2*hour), now.Add(-hour)), good.Cert, []int{errCRLHasExpired}},
		{"not yet valid", ca.CRLAt(now.Add(hour), now.Add(2*hour)), good.Cert, []int{errCRLNotYetValid}},
		{"forged", forger.CRLAt(now.Add(-hour), now.Add(hour)), good.Cert, []int{errUnableToGetCRL}},
		{"forged then good", append(forger.CRLAt(now.Add(-hour), now.Add(hour)), ca.CRLAt(now.Add(-hour), now.Add(hour))...), good.Cert, nil},
		{"expired, revoked", ca.CRLAt(now.Add(-2*hour), now.Add(-hour), bad.Cert), bad.Cert, []int{errCRLHasExpired, errCertRevoked}},
		{"expired then good", append(ca.CRLAt(now.Add(-2*hour), now.Add(-hour)), ca.CRLAt(now.Add(-hour), now.Add(hour))...), good.Cert, nil},
		{"bad signature", badSignature(t, ca.CRLAt(now.Add(-hour), now.Add(hour))), good.Cert, []int{errCRLSignatureFailure}},
	} {
		l, err := ParseCRLs(c.pem)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.status(c.cert, ca.Cert, now); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// badSignature spoils the last byte of a PEM CRL's signature.
func badSignature(t *testing.T, p []byte) []byte {
	t.Helper()
	b, _ := pem.Decode(p)
	der := slices.Clone(b.Bytes)
	der[len(der)-1] ^= 0xff
	return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der})
}

// TestCRLChainToRoot: a chain Go's verification ends on a trusted
// intermediate is checked up to its root, as OpenSSL builds it: the
// root's list is needed too.
func TestCRLChainToRoot(t *testing.T) {
	root := testcert.NewCA("crl root")
	inter := root.NewIntermediate("crl intermediate")
	leaf := inter.Issue(testcert.Opts{CN: "leaf", Client: true})
	now, hour := time.Now(), time.Hour
	chains := [][]*x509.Certificate{{leaf.Cert, inter.Cert}} // inter is trusted itself
	cas := []*x509.Certificate{inter.Cert, root.Cert}
	both, err := ParseCRLs(append(inter.CRLAt(now.Add(-hour), now.Add(hour)), root.CRLAt(now.Add(-hour), now.Add(hour))...))
	if err != nil {
		t.Fatal(err)
	}
	if err := both.check(chains, IssuersOf(cas)); err != nil {
		t.Errorf("with the root's list: %v", err)
	}
	interOnly, err := ParseCRLs(inter.CRLAt(now.Add(-hour), now.Add(hour)))
	if err != nil {
		t.Fatal(err)
	}
	if err := interOnly.check(chains, IssuersOf(cas)); err == nil {
		t.Error("without the root's list: the intermediate passed")
	}
	// Without the root among the CAs, the chain stays as Go built it.
	if err := interOnly.check(chains, IssuersOf(cas[:1])); err == nil {
		t.Error("the intermediate passed its issuer's missing list")
	}
}
