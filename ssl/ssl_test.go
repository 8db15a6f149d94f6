package ssl

import (
	"crypto/tls"
	"crypto/x509/pkix"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"switchyard/internal/testcert"
	"switchyard/sample"
)

func TestParseCiphers(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []uint16
		err  string
	}{
		{in: "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256",
			want: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}},
		{in: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", want: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}},
		{in: "ECDHE+AESGCM+aRSA:!AES256", want: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}},
		{in: "HIGH:!aNULL:!MD5:!RC4:!3DES:!kRSA:!SHA1:!SHA256:!SHA384:!AESGCM",
			want: []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256}},
		{in: "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256:+aRSA",
			want: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}},
		{in: "TLSv1+kRSA+AES128", want: []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA}},
		{in: "kEECDH+SHA+aECDSA+AES256", want: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA}},
		{in: "DHE-RSA-AES128-GCM-SHA256", err: "cipher 'DHE-RSA-AES128-GCM-SHA256' is not implemented by Go's TLS stack"},
		{in: "NOPE", err: "unknown cipher or alias 'NOPE'"},
		{in: "aNULL", err: "no cipher Go implements is left in 'aNULL'"},
	} {
		got, err := ParseCiphers(c.in)
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("%s: err %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %v %v, want %v", c.in, got, err, c.want)
		}
	}
	if _, err := ParseCipherSuites("TLS_AES_128_CCM_SHA256"); err == nil || !strings.Contains(err.Error(), "not implemented") {
		t.Errorf("CCM suite: %v", err)
	}
	if _, err := ParseCurves("X25519:brainpoolP256r1"); err == nil || !strings.Contains(err.Error(), "brainpoolP256r1") {
		t.Errorf("unknown curve: %v", err)
	}
}

func TestVersions(t *testing.T) {
	for _, c := range []struct {
		set    func(c *Conf)
		lo, hi uint16
		err    bool
	}{
		{set: func(*Conf) {}, lo: tls.VersionTLS12, hi: tls.VersionTLS13},
		{set: func(c *Conf) { c.MinVer = tls.VersionTLS10 }, lo: tls.VersionTLS10, hi: tls.VersionTLS13},
		{set: func(c *Conf) { c.MinVer = tls.VersionTLS10; c.NoVersion(tls.VersionTLS10) }, lo: tls.VersionTLS11, hi: tls.VersionTLS13},
		{set: func(c *Conf) { c.NoVersion(tls.VersionTLS13) }, lo: tls.VersionTLS12, hi: tls.VersionTLS12},
		{set: func(c *Conf) { c.MinVer = tls.VersionTLS10; c.NoVersion(tls.VersionTLS12) }, lo: tls.VersionTLS10, hi: tls.VersionTLS11},
		{set: func(c *Conf) { c.MinVer, c.MaxVer = tls.VersionTLS13, tls.VersionTLS13 }, lo: tls.VersionTLS13, hi: tls.VersionTLS13},
		{set: func(c *Conf) { c.NoVersion(tls.VersionTLS12); c.NoVersion(tls.VersionTLS13) }, err: true},
		{set: func(c *Conf) { c.MaxVer = tls.VersionTLS11 }, err: true},
	} {
		var conf Conf
		c.set(&conf)
		lo, hi, err := conf.Versions()
		if (err != nil) != c.err || !c.err && (lo != c.lo || hi != c.hi) {
			t.Errorf("%+v: got %x-%x %v, want %x-%x err=%v", conf, lo, hi, err, c.lo, c.hi, c.err)
		}
	}
}

func TestParseCrtList(t *testing.T) {
	lines, err := ParseCrtList([]byte("# comment\n\ncert1.pem\ncert2.pem [alpn http/1.1 ssl-min-ver TLSv1.2] *.Example.com !secure.example.com\n\"with space.pem\" [verify none]\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []CrtListLine{
		{Line: 3, File: "cert1.pem"},
		{Line: 4, File: "cert2.pem", Options: []string{"alpn", "http/1.1", "ssl-min-ver", "TLSv1.2"}, Filters: []string{"*.example.com", "!secure.example.com"}},
		{Line: 5, File: "with space.pem", Options: []string{"verify", "none"}},
	}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("got %+v\nwant %+v", lines, want)
	}
	for _, bad := range []string{"a.pem [alpn h2", "a.pem x [alpn h2]", "\"a.pem"} {
		if _, err := ParseCrtList([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestLoadCert(t *testing.T) {
	dir := t.TempDir()
	ca := testcert.NewCA("test CA")
	leaf := ca.Issue(testcert.Opts{CN: "www.example.com", DNS: []string{"www.example.com", "*.api.example.com"}})
	other := ca.Issue(testcert.Opts{CN: "other"})
	bundle := filepath.Join(dir, "bundle.pem")
	testcert.Write(bundle, append(leaf.Bundle(), ca.PEM...))
	c, err := LoadCert(bundle, ExtraAll)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"www.example.com", "*.api.example.com"}; !reflect.DeepEqual(c.Names, want) {
		t.Errorf("names %q, want %q", c.Names, want)
	}
	if len(c.TLS.Certificate) != 2 || c.Issuer == nil {
		t.Errorf("chain of %d, issuer %v", len(c.TLS.Certificate), c.Issuer)
	}
	// The key beside the certificate, as PATH.key and as NAME.key for NAME.crt.
	testcert.Write(filepath.Join(dir, "split.crt"), leaf.CertPEM)
	testcert.Write(filepath.Join(dir, "split.key"), leaf.KeyPEM)
	if c, err := LoadCert(filepath.Join(dir, "split.crt"), ExtraAll); err != nil || c.KeyFile != filepath.Join(dir, "split.key") {
		t.Errorf("split: %v %+v", err, c)
	}
	if _, err := LoadCert(filepath.Join(dir, "split.crt"), 0); err == nil || !strings.Contains(err.Error(), "ssl-load-extra-files") {
		t.Errorf("split without key files: %v", err)
	}
	mismatch := filepath.Join(dir, "mismatch.pem")
	testcert.Write(mismatch, append(append([]byte{}, leaf.CertPEM...), other.KeyPEM...))
	if _, err := LoadCert(mismatch, ExtraAll); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("mismatch: %v", err)
	}
	if _, err := LoadCert(filepath.Join(dir, "none.pem"), ExtraAll); err == nil {
		t.Error("missing file: no error")
	}
	// A directory: its certificates in lexical order, not its key files.
	certs, err := loadDir(dir, ExtraAll)
	if err == nil {
		t.Errorf("a directory holding a mismatched pair loads: %d certs", len(certs))
	}
	os.Remove(mismatch)
	if certs, err = loadDir(dir, ExtraAll); err != nil || len(certs) != 2 || certs[0].Path != bundle {
		t.Errorf("dir: %v %d", err, len(certs))
	}
}

// handshake connects a client to a bind's configuration over loopback
// and returns the client's view of the handshake. (A socket, not
// net.Pipe: a server refusing a TLS 1.3 client after the client is done
// must be able to write its alert unread.)
func handshake(t *testing.T, srv *Server, client *tls.Config) (*tls.ConnectionState, error) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	deadline := time.Now().Add(5 * time.Second)
	done := make(chan error, 1)
	go func() {
		b, err := l.Accept()
		if err != nil {
			done <- err
			return
		}
		defer b.Close()
		b.SetDeadline(deadline)
		done <- tls.Server(b, srv.Config()).Handshake()
	}()
	a, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.SetDeadline(deadline)
	c := tls.Client(a, client)
	cerr := c.Handshake()
	if cerr != nil {
		a.Close() // the server must not wait for more
	}
	if serr := <-done; serr != nil {
		return nil, serr
	}
	if cerr != nil {
		return nil, cerr
	}
	st := c.ConnectionState()
	return &st, nil
}

func TestSNISelection(t *testing.T) {
	ca := testcert.NewCA("test CA")
	dir := t.TempDir()
	load := func(o testcert.Opts) *Cert {
		l := ca.Issue(o)
		path := filepath.Join(dir, o.CN+".pem")
		testcert.Write(path, l.Bundle())
		c, err := LoadCert(path, 0)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	def := load(testcert.Opts{CN: "default.test"})
	exact := load(testcert.Opts{CN: "www.test", DNS: []string{"www.test"}})
	wild := load(testcert.Opts{CN: "wild", DNS: []string{"*.test"}})
	rsaWWW := load(testcert.Opts{CN: "www.test rsa", DNS: []string{"www.test"}, RSA: true})
	filtered := load(testcert.Opts{CN: "filtered", DNS: []string{"ignored.test"}})
	b := &Bind{Entries: []*Entry{{Cert: def}, {Cert: rsaWWW}, {Cert: exact}, {Cert: wild},
		{Cert: filtered, Filters: []string{"*.f.test", "!no.f.test"}}}}
	srv, err := b.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	for sni, want := range map[string]string{
		"www.test": "www.test", "WWW.test": "www.test", "a.test": "wild", "b.a.test": "default.test",
		"": "default.test", "nothing": "default.test", "x.f.test": "filtered", "no.f.test": "default.test",
		"ignored.test": "wild",
	} {
		st, err := handshake(t, srv, &tls.Config{ServerName: sni, RootCAs: ca.Pool(), InsecureSkipVerify: true})
		if err != nil {
			t.Errorf("%q: %v", sni, err)
			continue
		}
		if got := st.PeerCertificates[0].Subject.CommonName; got != want {
			t.Errorf("%q: served %q, want %q", sni, got, want)
		}
	}
	// A client that cannot use ECDSA gets the RSA certificate of the name.
	st, err := handshake(t, srv, &tls.Config{ServerName: "www.test", InsecureSkipVerify: true, MaxVersion: tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}})
	if err != nil || st.PeerCertificates[0].Subject.CommonName != "www.test rsa" {
		t.Errorf("RSA-only client: %v %v", err, st)
	}
	// As HAProxy: a wildcard ECDSA certificate goes before an exact RSA
	// one for a client that can use ECDSA, and an exact ECDSA one the
	// client cannot use gives way to a wildcard RSA one.
	rsaAPI := load(testcert.Opts{CN: "api rsa", DNS: []string{"api.test"}, RSA: true})
	ecWild := load(testcert.Opts{CN: "wild ecdsa", DNS: []string{"*.test"}})
	ecV := load(testcert.Opts{CN: "v ecdsa", DNS: []string{"v.test"}})
	rsaWild := load(testcert.Opts{CN: "wild rsa", DNS: []string{"*.test"}, RSA: true})
	mixed, err := (&Bind{Entries: []*Entry{{Cert: def}, {Cert: rsaAPI}, {Cert: ecWild}, {Cert: ecV}, {Cert: rsaWild}}}).NewServer()
	if err != nil {
		t.Fatal(err)
	}
	rsaOnly := []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}
	for _, c := range []struct {
		sni     string
		ciphers []uint16
		want    string
	}{{"api.test", nil, "wild ecdsa"}, {"api.test", rsaOnly, "api rsa"}, {"v.test", nil, "v ecdsa"}, {"v.test", rsaOnly, "wild rsa"}} {
		st, err := handshake(t, mixed, &tls.Config{ServerName: c.sni, InsecureSkipVerify: true, MaxVersion: tls.VersionTLS12, CipherSuites: c.ciphers})
		if err != nil || st.PeerCertificates[0].Subject.CommonName != c.want {
			t.Errorf("%s with ciphers %v: %v, want %s", c.sni, c.ciphers, err, c.want)
		}
	}
	// strict-sni: no default.
	b.StrictSNI = true
	srv, _ = b.NewServer()
	if _, err := handshake(t, srv, &tls.Config{ServerName: "nothing", InsecureSkipVerify: true}); err == nil {
		t.Error("strict-sni served an unknown name")
	}
	if _, err := handshake(t, srv, &tls.Config{ServerName: "a.test", InsecureSkipVerify: true}); err != nil {
		t.Errorf("strict-sni, known name: %v", err)
	}
}

func TestClientCertificates(t *testing.T) {
	ca := testcert.NewCA("clients CA")
	other := testcert.NewCA("other CA")
	leaf := ca.Issue(testcert.Opts{CN: "srv", DNS: []string{"srv"}})
	path := filepath.Join(t.TempDir(), "srv.pem")
	testcert.Write(path, leaf.Bundle())
	cert, err := LoadCert(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	good := ca.Issue(testcert.Opts{CN: "client1", Client: true})
	bad := other.Issue(testcert.Opts{CN: "client2", Client: true})
	pair := func(l *testcert.Leaf) []tls.Certificate {
		c, err := tls.X509KeyPair(l.CertPEM, l.KeyPEM)
		if err != nil {
			t.Fatal(err)
		}
		return []tls.Certificate{c}
	}
	b := &Bind{Entries: []*Entry{{Cert: cert}}}
	b.Conf.Verify = VerifyRequired
	if _, err := b.NewServer(); err == nil || !strings.Contains(err.Error(), "no CA file") {
		t.Errorf("verify without ca-file: %v", err)
	}
	b.Conf.CA = NewCAFile("ca.pem", ca.Cert)
	srv, err := b.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := handshake(t, srv, &tls.Config{InsecureSkipVerify: true, Certificates: pair(good)}); err != nil {
		t.Errorf("good client: %v", err)
	}
	if _, err := handshake(t, srv, &tls.Config{InsecureSkipVerify: true, Certificates: pair(bad)}); err == nil {
		t.Error("client of another CA accepted")
	}
	if _, err := handshake(t, srv, &tls.Config{InsecureSkipVerify: true}); err == nil {
		t.Error("no client certificate accepted under verify required")
	}
	b.Conf.Verify = VerifyOptional
	srv, _ = b.NewServer()
	if _, err := handshake(t, srv, &tls.Config{InsecureSkipVerify: true}); err != nil {
		t.Errorf("no client certificate under verify optional: %v", err)
	}
}

// TestCRL: with a crl-file, a revoked client certificate is refused, and
// so is one whose issuer has no list (OpenSSL's CRL_CHECK_ALL).
func TestCRL(t *testing.T) {
	ca, other := testcert.NewCA("CRL CA"), testcert.NewCA("CA without list")
	dir := t.TempDir()
	srvPath := filepath.Join(dir, "srv.pem")
	testcert.Write(srvPath, ca.Issue(testcert.Opts{CN: "srv"}).Bundle())
	cert, err := LoadCert(srvPath, 0)
	if err != nil {
		t.Fatal(err)
	}
	good, bad := ca.Issue(testcert.Opts{CN: "good", Client: true}), ca.Issue(testcert.Opts{CN: "bad", Client: true})
	unlisted := other.Issue(testcert.Opts{CN: "unlisted", Client: true})
	crlPath, caPath := filepath.Join(dir, "crl.pem"), filepath.Join(dir, "ca.pem")
	testcert.Write(crlPath, ca.CRL(bad.Cert))
	testcert.Write(caPath, append(append([]byte{}, ca.PEM...), other.PEM...))
	b := &Bind{Entries: []*Entry{{Cert: cert}}}
	b.Conf.Verify = VerifyRequired
	if err := b.Conf.SetCAFile(&Files{}, caPath); err != nil {
		t.Fatal(err)
	}
	if err := b.Conf.SetCRLFile(&Files{}, crlPath); err != nil {
		t.Fatal(err)
	}
	srv, err := b.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		leaf *testcert.Leaf
		ok   bool
	}{{good, true}, {bad, false}, {unlisted, false}} {
		pair, err := tls.X509KeyPair(c.leaf.CertPEM, c.leaf.KeyPEM)
		if err != nil {
			t.Fatal(err)
		}
		_, err = handshake(t, srv, &tls.Config{InsecureSkipVerify: true, Certificates: []tls.Certificate{pair}})
		if (err == nil) != c.ok {
			t.Errorf("%s: handshake error %v, want success %v", c.leaf.Cert.Subject.CommonName, err, c.ok)
		}
	}
}

func TestFormatDN(t *testing.T) {
	ca := testcert.NewCA("DN CA")
	l := ca.Issue(testcert.Opts{CN: "client, one"})
	raw := l.Cert.Subject.Names
	FormatDN := func(names []pkix.AttributeTypeAndValue, a []sample.Arg) (string, bool) {
		b, ok := AppendDN(nil, names, a)
		return string(b), ok
	}
	if s, _ := FormatDN(raw, nil); s != "/C=FR/O=switchyard tests/CN=client, one" {
		t.Errorf("oneline: %q", s)
	}
	if s, _ := FormatDN(raw, []sample.Arg{{Set: true, Str: "CN"}}); s != "client, one" {
		t.Errorf("CN: %q", s)
	}
	if s, _ := FormatDN(raw, []sample.Arg{{}, {}, {Set: true, Str: "rfc2253"}}); s != `CN=client\, one,O=switchyard tests,C=FR` {
		t.Errorf("rfc2253: %q", s)
	}
	if _, ok := FormatDN(raw, []sample.Arg{{Set: true, Str: "OU"}}); ok {
		t.Error("OU found")
	}
}
